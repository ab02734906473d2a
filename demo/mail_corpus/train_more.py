"""More train-style sentences: the same customers on other days (added to train_style).

Written to widen the training phrasing, without the test-style module's sentences.
"""

MORE: dict[str, dict[str, dict[str, list[str]]]] = {
    "billing_credit": {
        "es": {"subjects": ["Devolución del cobro", "Importe cobrado por error"], "bodies": [
            "Revisando mis cuentas veo que la factura {inv} se cobró por duplicado. Quiero recuperar {amount}.",
            "Se me ha cargado {amount} por un pedido {order} que nunca recibí; solicito el reembolso.",
            "El descuento acordado no se aplicó en {inv}. Les pido un abono por la diferencia de {amount}.",
        ]},
        "en": {"subjects": ["Refund of the charge", "Amount taken in error"], "bodies": [
            "Checking my accounts I see invoice {inv} was collected twice. I want the {amount} returned.",
            "I was charged {amount} for order {order} which I never received; please refund me.",
            "The agreed discount was not applied on {inv}. Please credit me the difference of {amount}.",
        ]},
    },
    "billing_enquiry": {
        "es": {"subjects": ["Consulta de facturación", "Factura {inv}"], "bodies": [
            "¿En qué fecha se emitirá la factura del pedido {order}?",
            "Para nuestra contabilidad necesitamos la factura {inv} con el IVA desglosado.",
            "No entiendo por qué la factura {inv} es de {amount} si el mes pasado fue menos. ¿Me lo aclaran?",
        ]},
        "en": {"subjects": ["Billing enquiry", "Invoice {inv}"], "bodies": [
            "On what date will the invoice for order {order} be issued?",
            "For our accounts we need invoice {inv} with VAT shown separately.",
            "I do not understand why invoice {inv} is {amount} when last month was less. Can you clarify?",
        ]},
    },
    "payment_authorisation": {
        "es": {"subjects": ["Autorización de pago", "Cuenta para domiciliar"], "bodies": [
            "Quedan autorizados a cargar en mi cuenta {iban} el importe de la factura {inv}.",
            "Firmo la orden de domiciliación; los recibos a la cuenta {iban}, por favor.",
            "Les confirmo la autorización para el cargo de {amount} el próximo {date}.",
        ]},
        "en": {"subjects": ["Payment authorization", "Account for direct debit"], "bodies": [
            "You are authorised to debit my account {iban} for invoice {inv}.",
            "I have signed the direct debit form; please use account {iban} for the payments.",
            "I confirm my authorisation for the charge of {amount} next {date}.",
        ]},
    },
    "payment_promise": {
        "es": {"subjects": ["Pago pendiente", "Pagaremos pronto"], "bodies": [
            "Tenemos un problema de tesorería; pagaremos los {amount} el {date}.",
            "Disculpen, la factura {inv} se pagará el {date} mediante transferencia.",
            "Les prometo que el pago de {amount} estará hecho antes del {date}.",
        ]},
        "en": {"subjects": ["Pending payment", "We will pay soon"], "bodies": [
            "We have a cash flow problem; we will pay the {amount} on {date}.",
            "Apologies, invoice {inv} will be paid on {date} by bank transfer.",
            "I promise the payment of {amount} will be done before {date}.",
        ]},
    },
    "invoice_dispute": {
        "es": {"subjects": ["Reclamo la factura {inv}", "Cargo no reconocido"], "bodies": [
            "El importe de la factura {inv} no es el del presupuesto aceptado. No la vamos a pagar así.",
            "Nos facturan {amount} por unidades que devolvimos. La factura {inv} está mal.",
            "Rechazo la factura {inv}: incluye servicios que no hemos recibido.",
        ]},
        "en": {"subjects": ["Disputing invoice {inv}", "Charge not recognised"], "bodies": [
            "The amount on invoice {inv} is not the accepted quote. We will not pay it as it is.",
            "You billed us {amount} for units we returned. Invoice {inv} is wrong.",
            "I reject invoice {inv}: it includes services we have not received.",
        ]},
    },
    "order_cancellation": {
        "es": {"subjects": ["Anular pedido", "Cancelación de compra"], "bodies": [
            "Necesitamos cancelar la compra {order}; el proyecto se ha suspendido.",
            "Hice el pedido {order} dos veces. Anulen uno de ellos, por favor.",
            "Si todavía no ha salido, cancelen el pedido {order} de {product}.",
        ]},
        "en": {"subjects": ["Cancel my order", "Purchase cancellation"], "bodies": [
            "We need to cancel purchase {order}; the project has been put on hold.",
            "I placed order {order} twice. Please cancel one of them.",
            "If it has not left yet, cancel order {order} for the {product}.",
        ]},
    },
    "order_return": {
        "es": {"subjects": ["Devolución de producto", "Devolver artículo"], "bodies": [
            "Nos enviaron {product} equivocado en el pedido {order}; queremos devolverlo y que nos devuelvan el dinero.",
            "{product} no cumple lo que esperábamos. ¿Cuál es el plazo de devolución?",
            "Quiero hacer una devolución del pedido {order}. ¿Dónde lo entrego?",
        ]},
        "en": {"subjects": ["Product return", "Return an item"], "bodies": [
            "You sent the wrong {product} in order {order}; we want to return it for a refund.",
            "The {product} is not what we expected. What is the return period?",
            "I want to return order {order}. Where do I drop it off?",
        ]},
    },
    "order_change": {
        "es": {"subjects": ["Cambio en el pedido", "Pedido {order}: cambio"], "bodies": [
            "¿Pueden cambiar el color de {product} en el pedido {order}?",
            "Necesitamos aumentar la cantidad del pedido {order} a 12 unidades.",
            "Cambien la entrega del pedido {order} al almacén de Getafe en lugar de la oficina.",
        ]},
        "en": {"subjects": ["Change to my order", "Order {order}: change"], "bodies": [
            "Can you change the colour of the {product} on order {order}?",
            "We need to increase the quantity on order {order} to 12 units.",
            "Please deliver order {order} to the warehouse instead of the office.",
        ]},
    },
    "delivery_incident": {
        "es": {"subjects": ["Pedido sin entregar", "Problema con la entrega"], "bodies": [
            "El pedido {order} tenía que llegar el {date} y sigue sin aparecer.",
            "Recibimos el pedido {order} incompleto: no venía {product}.",
            "El número de seguimiento del pedido {order} no funciona y no sabemos nada del envío.",
        ]},
        "en": {"subjects": ["Order not delivered", "Problem with the delivery"], "bodies": [
            "Order {order} was due on {date} and still has not turned up.",
            "We received order {order} incomplete: the {product} was not in it.",
            "The tracking number for order {order} does not work and we have no news of the shipment.",
        ]},
    },
    "complaint": {
        "es": {"subjects": ["Queja por el servicio", "Mala atención"], "bodies": [
            "Me parece una falta de seriedad que nadie me haya llamado como prometieron.",
            "Estoy muy descontento con el servicio; me han hecho perder el día.",
            "Quiero que conste mi queja: el técnico no se presentó y nadie avisó.",
        ]},
        "en": {"subjects": ["Complaint about the service", "Bad customer care"], "bodies": [
            "It is unprofessional that nobody called me back as promised.",
            "I am very unhappy with the service; you made me waste a whole day.",
            "I want my complaint recorded: the technician did not show up and nobody told me.",
        ]},
    },
    "general": {
        "es": {"subjects": ["Pregunta", "Información general"], "bodies": [
            "¿Tienen tienda física en Sevilla?",
            "¿Con qué antelación hay que hacer los pedidos para Navidad?",
            "¿Trabajan con factura electrónica para administraciones públicas?",
        ]},
        "en": {"subjects": ["Enquiry", "General information"], "bodies": [
            "Do you have a physical shop in Manchester?",
            "How far in advance must orders be placed for Christmas?",
            "Do you work with e-invoicing for public bodies?",
        ]},
    },
}

# A back office's later batch of labelled mail: other customers, other habits (formal and
# curt, business and private), written from what such mail says in general.
LATER: dict[str, dict[str, dict[str, list[str]]]] = {
    "billing_credit": {
        "es": {"subjects": ["Solicitamos nota de crédito", "Cargo indebido en la tarjeta"], "bodies": [
            "En el extracto del banco aparece {amount} dos veces por el mismo pedido {order}. Rogamos nos lo reintegren.",
            "Pagamos la factura {inv} por transferencia y además nos la pasaron por el banco. Queremos que nos devuelvan uno de los pagos.",
            "Nos aplicaron la tarifa antigua en {inv}; la nueva es más barata. Emitan una nota de crédito por {amount}.",
            "Devolvimos el material y aún no nos han abonado los {amount}. ¿Cuándo recibiremos el reembolso?",
        ]},
        "en": {"subjects": ["Credit memo needed", "Charged in error"], "bodies": [
            "My bank statement shows {amount} taken twice for order {order}. Please reimburse the second payment.",
            "We paid {inv} by bank transfer and the direct debit also went out. Kindly return one of the payments.",
            "The old price list was used on {inv}; the new one is lower. Please raise a credit memo for {amount}.",
            "We sent the goods back weeks ago and the {amount} has still not been refunded. When will the money come back?",
        ]},
    },
    "billing_enquiry": {
        "es": {"subjects": ["Pregunta sobre un cargo", "Solicitud de factura"], "bodies": [
            "En la última factura aparece un concepto de {amount} que no sé a qué corresponde. ¿Me lo aclaran?",
            "¿Pueden reenviarme en PDF las facturas del último trimestre? Las necesita mi gestor.",
            "Hemos cambiado de razón social; ¿cómo actualizamos los datos de facturación para las próximas facturas?",
            "¿Por qué la factura {inv} lleva un recargo de envío si el pedido superaba el mínimo?",
        ]},
        "en": {"subjects": ["Question on a charge", "Invoice request"], "bodies": [
            "The latest invoice has a line of {amount} and I cannot tell what it relates to. Could you clarify?",
            "Could you re-send the PDF invoices for last quarter? Our accountant needs them.",
            "Our company name has changed; how do we update the billing details for future invoices?",
            "Why does invoice {inv} include a delivery fee when the order was above the minimum?",
        ]},
    },
    "payment_authorisation": {
        "es": {"subjects": ["Conformidad para el cobro", "Datos bancarios para recibos"], "bodies": [
            "Damos nuestra conformidad para que carguen los {amount} en la cuenta de siempre.",
            "A partir de ahora pasen los recibos a esta cuenta: {iban}. Queda firmado el mandato.",
            "Tienen mi consentimiento para cobrar la cuota mensual con la tarjeta que tienen registrada.",
            "Adelante con el cargo de la factura {inv}; pueden girarlo el {date}.",
        ]},
        "en": {"subjects": ["Go-ahead for the debit", "Bank details for collections"], "bodies": [
            "You have our go-ahead to collect the {amount} from the usual account.",
            "From now on please collect the bills from this account: {iban}. The mandate is signed.",
            "You have my consent to take the monthly fee from the card you hold on file.",
            "Please go ahead and debit invoice {inv}; you may collect it on {date}.",
        ]},
    },
    "payment_promise": {
        "es": {"subjects": ["Regularizaremos la deuda", "Aviso de pago"], "bodies": [
            "Sabemos que la factura {inv} está vencida. El ingreso de {amount} lo haremos la semana que viene.",
            "Les transferiremos lo pendiente en cuanto cobremos de nuestro cliente, como tarde el {date}.",
            "Propongo pagar los {amount} en dos plazos: la mitad ahora y el resto el {date}.",
            "El pago de {inv} se retrasó por un problema del banco; quedará liquidado antes del {date}.",
        ]},
        "en": {"subjects": ["Settling our account", "Payment notice"], "bodies": [
            "We know invoice {inv} is overdue. The {amount} will be transferred next week.",
            "We will clear the balance as soon as our own customer pays us, on {date} at the latest.",
            "I propose to pay the {amount} in two instalments: half now and the rest on {date}.",
            "Payment of {inv} was held up by our bank; it will be settled before {date}.",
        ]},
    },
    "invoice_dispute": {
        "es": {"subjects": ["Discrepancia en la factura", "Factura {inv} rechazada"], "bodies": [
            "La factura {inv} aplica un precio por unidad más alto que el de nuestro contrato. No la aceptamos.",
            "Nos cobran horas de técnico que nunca se hicieron. Impugnamos la factura {inv}.",
            "Los {amount} de la factura {inv} no cuadran con el albarán firmado. Revísenla antes de que paguemos.",
            "Esa factura es de un servicio que dimos de baja hace meses; no nos corresponde pagarla.",
        ]},
        "en": {"subjects": ["Discrepancy on invoice", "Invoice {inv} rejected"], "bodies": [
            "Invoice {inv} charges a higher unit price than our contract says. We do not accept it.",
            "You are billing technician hours that never took place. We are contesting invoice {inv}.",
            "The {amount} on invoice {inv} does not match the signed delivery note. Please review it before we pay.",
            "That invoice is for a service we ended months ago; we should not have to pay it.",
        ]},
    },
    "order_cancellation": {
        "es": {"subjects": ["Baja del pedido", "No tramiten el pedido {order}"], "bodies": [
            "Hemos encontrado el material en otro proveedor; den de baja el pedido {order}.",
            "Por cierre temporal de la tienda no podemos recibir el pedido {order}. Anúlenlo, por favor.",
            "Me arrepiento de la compra de {product}; cancelen el pedido antes de que salga del almacén.",
            "Dejen sin efecto el pedido {order} que hicimos ayer, fue un error de nuestro departamento.",
        ]},
        "en": {"subjects": ["Order withdrawn", "Do not process order {order}"], "bodies": [
            "We found the material elsewhere; please call off order {order}.",
            "Our shop is closing for a while and cannot take delivery of order {order}. Please cancel it.",
            "I have changed my mind about the {product}; please cancel the order before it leaves the warehouse.",
            "Please void order {order} that we placed yesterday, our department made a mistake.",
        ]},
    },
    "order_return": {
        "es": {"subjects": ["Artículo defectuoso, quiero devolverlo", "Solicitud de recogida"], "bodies": [
            "{product} vino con un defecto de fábrica. ¿Me mandan un mensajero para llevárselo y me lo cambian?",
            "Compré dos unidades de {product} y me sobra una. ¿Puedo devolverla aunque esté abierta la caja?",
            "El color de {product} no es el de la foto. Quiero devolverlo dentro del plazo.",
            "¿Dónde tengo que enviar {product} del pedido {order}? No encuentro el formulario de devolución.",
        ]},
        "en": {"subjects": ["Faulty item to send back", "Collection request"], "bodies": [
            "The {product} has a manufacturing fault. Can a courier collect it and you send a replacement?",
            "I bought two of the {product} and only need one. Can I send one back even though the box is open?",
            "The colour of the {product} is not what the photo showed. I want to send it back within the period.",
            "Where do I ship the {product} from order {order}? I cannot find the returns form.",
        ]},
    },
    "order_change": {
        "es": {"subjects": ["Corregir referencia del pedido", "Otra fecha de entrega"], "bodies": [
            "En el pedido {order} pusimos mal la referencia de {product}; corríjanla por el modelo grande.",
            "¿Se puede retrasar la entrega del pedido {order} hasta el {date}? Estaremos cerrados antes.",
            "Sumen tres cajas más al pedido {order}, con el mismo precio si es posible.",
            "Envíen el pedido {order} a nuestra nueva nave en lugar de a la dirección antigua.",
        ]},
        "en": {"subjects": ["Correction to order", "Another delivery date"], "bodies": [
            "On order {order} we entered the wrong reference for the {product}; please switch it to the large model.",
            "Could you push back the delivery of order {order} to {date}? We are closed before then.",
            "Please include three more boxes in order {order}, at the same price if possible.",
            "Ship order {order} to our new unit rather than the old address.",
        ]},
    },
    "delivery_incident": {
        "es": {"subjects": ["El pedido no ha venido", "Falta material en la entrega"], "bodies": [
            "La agencia marca el pedido {order} como entregado, pero aquí no ha venido nadie.",
            "De las cinco cajas del pedido {order} solo nos entregaron tres.",
            "El repartidor dejó el paquete en la calle y {product} llegó mojado y golpeado.",
            "Llevamos dos semanas esperando el pedido {order} y el transportista no sabe dónde está.",
        ]},
        "en": {"subjects": ["Order never came", "Items missing from delivery"], "bodies": [
            "The carrier shows order {order} as delivered, but nobody came here.",
            "Of the five boxes on order {order} only three were delivered.",
            "The driver left the parcel outside and the {product} arrived wet and dented.",
            "We have been waiting two weeks for order {order} and the courier cannot find it.",
        ]},
    },
    "complaint": {
        "es": {"subjects": ["Reclamación por el trato", "Estoy muy decepcionado"], "bodies": [
            "Es la tercera vez que les escribo y nadie contesta. Así no se trata a un cliente.",
            "La persona que me atendió por teléfono fue maleducada y me colgó. Exijo una explicación.",
            "Después de diez años con ustedes, me planteo cambiar de proveedor por lo mal que nos atienden.",
            "Su servicio ha empeorado mucho; estoy decepcionado y quiero que quede constancia.",
        ]},
        "en": {"subjects": ["Complaint about treatment", "Very disappointed"], "bodies": [
            "This is the third time I have written and nobody answers. That is no way to treat a customer.",
            "The person I spoke to on the phone was rude and hung up on me. I expect an explanation.",
            "After ten years with you I am thinking of moving our business elsewhere because of how we are treated.",
            "Your service has gone downhill; I am disappointed and want that on record.",
        ]},
    },
    "general": {
        "es": {"subjects": ["Solicitud de información", "Duda general"], "bodies": [
            "¿Hacen envíos a Canarias y cuánto tardan?",
            "Somos una empresa nueva; ¿qué hace falta para abrir una cuenta de cliente con ustedes?",
            "¿Abren los sábados por la mañana?",
            "¿Me pueden enviar la lista de precios de {product} para distribuidores?",
        ]},
        "en": {"subjects": ["Request for information", "General question"], "bodies": [
            "Do you ship to the Channel Islands and how long does it take?",
            "We are a new company; what do we need to open a customer account with you?",
            "Are you open on Saturday mornings?",
            "Could you send me the distributor price list for the {product}?",
        ]},
    },
}

# Curt and long-winded writers: one line from a phone, or the whole story first.
TERSE_AND_WORDY: dict[str, dict[str, dict[str, list[str]]]] = {
    "billing_credit": {
        "es": {"subjects": ["Me deben dinero", "Pago repetido"], "bodies": [
            "Cobro repetido de {amount}. Devolvedme uno.",
            "Buenas, les cuento: el mes pasado contraté el plan básico, pero en la factura {inv} me cobran el completo. La diferencia son {amount} y quisiera que me la abonen en la próxima factura o en la cuenta.",
            "Tengo un saldo a mi favor de {amount} desde la devolución del pedido {order}; ¿cuándo me lo ingresan?",
        ]},
        "en": {"subjects": ["You owe me money", "Repeated payment"], "bodies": [
            "Repeated charge of {amount}. Give one back.",
            "Hi, some background: last month I switched to the basic plan, but invoice {inv} bills the full one. The difference is {amount} and I would like it credited on the next invoice or paid into my account.",
            "I have a balance of {amount} in my favour since order {order} came back to you; when will it be paid out?",
        ]},
    },
    "billing_enquiry": {
        "es": {"subjects": ["Factura", "Duda con el recibo"], "bodies": [
            "¿Me mandáis la factura {inv}? Gracias.",
            "Os escribo desde administración. Estamos cerrando el año y nos falta la factura del pedido {order}; además, ¿podríais indicarnos si el importe de {amount} incluye el IVA o va aparte?",
            "El recibo de este mes es más alto que el anterior y no sé de dónde sale la diferencia.",
        ]},
        "en": {"subjects": ["Invoice", "Query about my bill"], "bodies": [
            "Can you email invoice {inv}? Thanks.",
            "Writing from accounts. We are closing the year and are missing the invoice for order {order}; also, could you tell us whether the {amount} includes VAT or not?",
            "This month's bill is higher than last month's and I cannot see where the difference comes from.",
        ]},
    },
    "payment_authorisation": {
        "es": {"subjects": ["OK al cargo", "Cuenta para cobros"], "bodies": [
            "OK, cobrad {amount} de mi cuenta.",
            "Como nos pidieron por teléfono, les confirmo por escrito que pueden domiciliar todas nuestras facturas en la cuenta {iban}, a nombre de la empresa, a partir del {date}.",
            "Quedan autorizados a cargar la tarjeta terminada en 4821 por el importe de la factura {inv}.",
        ]},
        "en": {"subjects": ["OK to charge", "Account for collections"], "bodies": [
            "OK, take {amount} from my account.",
            "As requested on the phone, I confirm in writing that you may collect all our invoices by direct debit from account {iban}, in the company's name, from {date}.",
            "You are authorised to charge the card ending 4821 for the amount of invoice {inv}.",
        ]},
    },
    "payment_promise": {
        "es": {"subjects": ["Pago la semana que viene", "Sobre la deuda"], "bodies": [
            "Pago el viernes. Perdón.",
            "Entiendo que tenemos {amount} pendientes desde hace dos meses. Hemos tenido un problema con un cliente grande, pero ya hemos cobrado y el {date} les hacemos la transferencia del total.",
            "Les confirmo que el ingreso de la factura {inv} sale mañana de nuestra cuenta.",
        ]},
        "en": {"subjects": ["Transfer on Friday", "About the debt"], "bodies": [
            "Paying on Friday. Sorry.",
            "I understand we have owed {amount} for two months. We had trouble with a large customer, but they have paid now and on {date} we will transfer you the full amount.",
            "I confirm the payment for invoice {inv} leaves our account tomorrow.",
        ]},
    },
    "invoice_dispute": {
        "es": {"subjects": ["Esta factura está mal", "No pagamos esa factura"], "bodies": [
            "La {inv} está mal. No la pagamos.",
            "Revisando la factura {inv} con el contrato en la mano: nos cobran una cuota de mantenimiento que no firmamos y un transporte que era gratuito. En total {amount} que no vamos a abonar hasta que la corrijan.",
            "No puede ser que nos facturen {amount} por algo que anulamos antes de empezar.",
        ]},
        "en": {"subjects": ["This invoice is wrong", "We are not paying that invoice"], "bodies": [
            "{inv} is wrong. Not paying it.",
            "Going through invoice {inv} with the contract in hand: you charge a maintenance fee we never signed and a delivery that was free. {amount} in all, which we will not pay until it is corrected.",
            "You cannot bill us {amount} for something we called off before it started.",
        ]},
    },
    "order_cancellation": {
        "es": {"subjects": ["Anulad", "Ya no hace falta el pedido"], "bodies": [
            "Anulad el {order}.",
            "Hicimos el pedido {order} para una obra que al final el cliente ha suspendido, así que no lo vamos a necesitar. Si no ha salido aún, cancélenlo y no nos lo cobren.",
            "Olviden el pedido de {product}; lo hemos comprado en la tienda.",
        ]},
        "en": {"subjects": ["Cancel it", "Order no longer needed"], "bodies": [
            "Cancel {order}.",
            "We placed order {order} for a job the client has now put on hold, so we will not need it. If it has not shipped, please cancel it and do not charge us.",
            "Forget the order for the {product}; we bought one in a shop.",
        ]},
    },
    "order_return": {
        "es": {"subjects": ["Devolución", "Quiero mandarlo de vuelta"], "bodies": [
            "Devuelvo {product}. ¿Cómo?",
            "Recibí el pedido {order} el lunes y, aunque todo llegó bien, {product} es más grande de lo que necesitamos. Quisiera devolverlo y que me reembolsen, o cambiarlo por el modelo pequeño.",
            "Me llegó {product} y no funciona bien; lo quiero devolver.",
        ]},
        "en": {"subjects": ["Return", "Want to send it back"], "bodies": [
            "Returning the {product}. How?",
            "Order {order} arrived on Monday and everything came fine, but the {product} is bigger than we need. I would like to send it back for a refund, or exchange it for the small model.",
            "The {product} arrived and does not work properly; I want to return it.",
        ]},
    },
    "order_change": {
        "es": {"subjects": ["Cambio", "Ajustar cantidades"], "bodies": [
            "Pedido {order}: 10 en vez de 6.",
            "Sobre el pedido {order}: nos hemos dado cuenta de que faltaba incluir {product}, y a la vez queremos quitar las dos lámparas. La entrega puede seguir siendo el {date}.",
            "¿Podemos pasar el pedido {order} a entrega por la tarde?",
        ]},
        "en": {"subjects": ["Change", "Adjust quantities"], "bodies": [
            "Order {order}: 10 not 6.",
            "About order {order}: we realised we forgot to include the {product}, and we would like to take off the two lamps. Delivery can still be {date}.",
            "Can we move order {order} to an afternoon delivery?",
        ]},
    },
    "delivery_incident": {
        "es": {"subjects": ["Sigo esperando el pedido {order}", "El envío no llega"], "bodies": [
            "¿Y el pedido {order}? Nada aún.",
            "Compramos {product} hace tres semanas con entrega en 48 horas. El seguimiento lleva diez días parado en el centro de reparto y nadie nos dice nada.",
            "Ha llegado la caja pero {product} viene con la pantalla rota.",
        ]},
        "en": {"subjects": ["Still waiting for order {order}", "Shipment not arriving"], "bodies": [
            "Where is order {order}? Nothing yet.",
            "We bought the {product} three weeks ago with 48-hour delivery. The tracking has been stuck at the depot for ten days and nobody tells us anything.",
            "The box came but the {product} has a cracked screen.",
        ]},
    },
    "complaint": {
        "es": {"subjects": ["Fatal", "Queja sobre su atención"], "bodies": [
            "Fatal servicio. Nunca más.",
            "Quiero dejar constancia de mi malestar: llamé cuatro veces, me pasaron de un departamento a otro, nadie sabía nada y al final me colgaron. No es forma de tratar a un cliente que lleva años con ustedes.",
            "El técnico llegó tarde, de malas maneras y se fue sin terminar. Estoy muy molesto.",
        ]},
        "en": {"subjects": ["Awful", "Complaint about your support"], "bodies": [
            "Awful service. Never again.",
            "I want to put on record how unhappy I am: I called four times, was passed from one department to another, nobody knew anything and in the end I was cut off. That is no way to treat a customer of many years.",
            "The engineer came late, was rude and left without finishing. I am very annoyed.",
        ]},
    },
    "general": {
        "es": {"subjects": ["Pregunta rápida", "Información sobre productos"], "bodies": [
            "¿Tenéis {product} en negro?",
            "Estamos amueblando una oficina nueva de veinte puestos y nos gustaría saber si hacen descuentos por volumen, qué plazos de entrega manejan y si se encargan del montaje.",
            "¿Dónde puedo ver las condiciones de garantía de sus productos?",
        ]},
        "en": {"subjects": ["Quick question", "Product information"], "bodies": [
            "Do you have the {product} in black?",
            "We are furnishing a new office for twenty people and would like to know whether you give volume discounts, what your delivery times are and whether you do the assembly.",
            "Where can I read the warranty terms for your products?",
        ]},
    },
}
