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
