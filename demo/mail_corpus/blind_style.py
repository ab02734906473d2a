"""Blind phrasing: customer mail written without sight of the classifier or its rules, by
someone who read only the corpus's format, and measured once, after everything else was
frozen (`blind` in `evaluation_sets`). Never tune on it.

Same structure as the other style modules (GREETINGS, CLOSINGS, PRODUCTS, TEMPLATES),
varied register (formal, curt, angry, rambling), Spain and Latin American Spanish,
British and American English, often without the category's obvious keyword.
Slots: {inv} {order} {amount} {date} {iban} {product}.
"""

GREETINGS = {
    "es": ["Qué tal,", "Buenas tardes,", "A la atención del departamento que corresponda:",
           "Estimado equipo,", "Buen día,", "Muy señores míos:", ""],
    "en": ["Hey there,", "To whom it may concern,", "Good afternoon,", "Hi team,",
           "Dear Customer Services,", ""],
}
CLOSINGS = {
    "es": ["Atentamente.", "Saludos desde Valencia.", "Muchas gracias de antemano.",
           "Quedo atento a su respuesta.", "Espero noticias pronto.", "Cordialmente,", ""],
    "en": ["Cheers.", "Many thanks in advance.", "Sincerely,", "Thanks for your help.",
           "Speak soon.", "Regards,", ""],
}

PRODUCTS = {
    "es": ["el router", "la cafetera", "el móvil", "la aspiradora", "el microondas", "la tablet"],
    "en": ["router", "coffee machine", "phone", "vacuum cleaner", "microwave", "tablet"],
}

TEMPLATES: dict[str, dict[str, dict[str, list[str]]]] = {
    "billing_credit": {
        "es": {
            "subjects": ["Me deben dinero", "Quiero mi dinero de vuelta", "Dos cargos iguales en el banco",
                         "Saldo a mi favor", "Regularización de {amount}"],
            "bodies": [
                "Revisando el extracto del banco veo que el recibo de {inv} me lo han pasado dos veces. "
                "Ruego me ingresen lo cobrado de más, {amount}, en la misma cuenta.",
                "Ya les pagué {amount} y luego se dieron de baja los servicios antes de empezar el mes. "
                "¿Cuándo me lo van a devolver?",
                "Pagué por transferencia y además me pasaron el cargo por el banco, así que me han cobrado "
                "{amount} que no debía. Necesito que me lo reintegren.",
                "Devuélvanme los {amount}. Me cobraron la tarifa completa del mes y la línea estuvo dada de "
                "baja desde el {date}, eso ya lo reconocieron ustedes por teléfono.",
                "Buenas, el técnico me confirmó que la cuota de instalación no aplicaba, pero la pagué igual "
                "en la factura {inv}. Les pido que me hagan la nota de crédito correspondiente.",
                "Me dijeron que me iban a compensar con {amount} por la avería y en la factura siguiente "
                "no aparece nada. Solicito que me abonen ese importe, ya está pagado todo lo demás.",
                "Oigan, llevo tres semanas esperando el reembolso del pedido {order} que ustedes mismos "
                "anularon. El dinero salió de mi tarjeta y no ha vuelto.",
                "Por un error suyo se me cargó {amount} en vez de la cuota habitual. Como ya está pagado, "
                "quiero que me retornen la diferencia cuanto antes.",
            ],
        },
        "en": {
            "subjects": ["Money owed to me", "Taken twice from my account", "Please pay me back",
                         "Overpayment on {inv}", "Where is my money?"],
            "bodies": [
                "My bank statement shows the same payment for {inv} going out twice. Could you put the "
                "extra {amount} back into my account, please?",
                "I paid {amount} by card and then the direct debit went out as well, so you've had the "
                "money twice. I'd like the second one returned.",
                "You cancelled order {order} yourselves but kept my {amount}. I want it back on my card.",
                "The engineer agreed the call-out fee shouldn't apply, but I'd already settled {inv} in "
                "full. Please reimburse the {amount} I was billed for it.",
                "Your agent promised me {amount} of compensation for the outage, applied to my account. "
                "Nothing has shown up and I've paid everything, so please send it over.",
                "Been waiting nearly a month for the money from the cancelled contract. It was {amount}, "
                "I was told 5 working days. Sort it out please.",
                "I was billed for a full month even though the line was closed on {date}. I have paid "
                "the bill regardless and now ask for the unused days to be credited.",
                "Somebody on your side keyed in the wrong tariff and I paid {amount} instead of the usual. "
                "I'm not disputing what I owe, I just want the excess paid back.",
            ],
        },
    },
    "billing_enquiry": {
        "es": {
            "subjects": ["No entiendo un concepto", "Necesito un duplicado", "Pregunta sobre el recibo",
                         "¿Qué es este cargo?", "Facturas del año pasado"],
            "bodies": [
                "Me podrían explicar qué significa el concepto \"cuota de mantenimiento\" que aparece en "
                "{inv}? No me quejo, solo quiero entenderlo.",
                "Necesito una copia en PDF de {inv} para presentarla en la gestoría, la original no la encuentro.",
                "¿Por qué este mes el importe es {amount} y el anterior era menor? Quisiera saber cómo se ha "
                "calculado, no sé si hubo algún cambio de tarifa.",
                "Buen día, ¿me pueden mandar todas las facturas de este año a este correo? Las necesito para "
                "la declaración.",
                "Quería saber si la factura {inv} ya incluye el IVA o se suma aparte, para pasarla a contabilidad.",
                "¿En qué fecha suele emitirse la factura mensual? Me gustaría tenerlo en cuenta para organizarme.",
                "Hola, en {inv} sale un descuento de bienvenida y no sé hasta cuándo dura. ¿Me lo aclaran?",
                "Para el departamento de facturación: ¿se puede cambiar el nombre fiscal que aparece en las "
                "facturas a partir de ahora? Es para saber qué datos tendría que enviarles.",
            ],
        },
        "en": {
            "subjects": ["Quick question on my bill", "Copy needed for my accountant",
                         "What does this line mean?", "How is this calculated?", "Past statements"],
            "bodies": [
                "Could you tell me what the \"network access charge\" on {inv} actually is? Not complaining, "
                "just curious.",
                "My accountant needs a copy of {inv}. Could you email me a PDF?",
                "Why has this month's bill gone up to {amount}? I just want to understand the calculation, "
                "I'm not sure if my plan changed.",
                "Hi, is VAT already included in the total on {inv} or is it added on top?",
                "When in the month do you normally issue the bill? Trying to plan my budget around it.",
                "Can you send me every statement from this year? I need them for my tax return.",
                "There's a welcome discount on {inv} and I can't tell how many months it lasts. Can you clarify?",
                "What's the procedure for getting the company name on future invoices changed? Just asking "
                "what information you'd need from me.",
            ],
        },
    },
    "payment_authorisation": {
        "es": {
            "subjects": ["Les paso mi cuenta", "Cobro por banco", "Datos bancarios", "Que me lo carguen en cuenta",
                         "Cambio de cuenta bancaria"],
            "bodies": [
                "Pueden pasarme los recibos a partir de ahora a la cuenta {iban}, doy mi conformidad.",
                "Adjunto el formulario firmado para que cobren las facturas directamente de mi cuenta {iban}.",
                "Cambié de banco. Por favor, los próximos recibos cárguenlos en {iban}; la titular soy yo y lo autorizo.",
                "Les doy permiso para cobrar la factura {inv} de {amount} de mi cuenta {iban}, cárguenla cuando quieran.",
                "Quiero dejar de pagar con transferencia cada mes. Mi IBAN es {iban}, cóbrenme ahí automáticamente.",
                "Como representante de la empresa, autorizo que se nos adeuden los importes de las facturas en "
                "la cuenta {iban} desde el {date}.",
                "Oye, que me dijo la chica del teléfono que les mandara la cuenta por escrito: {iban}. Ya pueden "
                "pasarme ahí los cobros.",
                "Les confirmo por escrito que acepto que me descuenten de la cuenta {iban} el importe de {amount} "
                "pendiente.",
            ],
        },
        "en": {
            "subjects": ["My bank details", "Take payments from my account", "New account for payments",
                         "Form signed and attached", "Go-ahead to collect"],
            "bodies": [
                "Please collect all future bills from account {iban}. You have my consent.",
                "Attached is the signed form so you can take payments straight from my account, {iban}.",
                "I've switched banks. From now on please take the monthly payment from {iban}; the account is "
                "in my name and I agree to it.",
                "You're welcome to take the {amount} for {inv} from {iban} whenever suits you.",
                "I'm tired of doing a bank transfer every month. My IBAN is {iban}, just take it automatically.",
                "On behalf of the company, I confirm you may debit our account {iban} for all invoices starting "
                "{date}.",
                "The lady on the phone told me to send my account in writing, so here it is: {iban}. Go ahead "
                "and set it up.",
                "This is my written OK for you to take the outstanding {amount} out of {iban}.",
            ],
        },
    },
    "payment_promise": {
        "es": {
            "subjects": ["Deuda pendiente", "Me pongo al día", "Lo abono el {date}", "Un poco más de tiempo",
                         "Sobre el recibo devuelto"],
            "bodies": [
                "Sé que tengo pendiente {inv}. Cobro a final de mes y el {date} les hago la transferencia "
                "de {amount} sin falta.",
                "El recibo me lo devolvió el banco porque no tenía saldo. La semana que viene lo pago, no me "
                "corten la línea por favor.",
                "Ando un poco justo este mes, pero les prometo que antes del {date} queda saldada la deuda.",
                "Tengo dos facturas atrasadas. Les propongo pagar {amount} ahora y el resto el mes que viene, "
                "¿les parece bien?",
                "Recibí su aviso de impago. La empresa ingresará el importe de {inv} el {date}, que es cuando "
                "se hacen las transferencias a proveedores.",
                "Disculpen el retraso, se me pasó por completo. Mañana mismo hago el ingreso de lo que debo.",
                "No puedo pagar todo de una vez, pero el {date} les mando la mitad y el resto en quince días. "
                "No quiero problemas.",
                "Vamos a cancelar la deuda de {amount} con ustedes en cuanto nos paguen un cliente, "
                "previsiblemente antes del {date}.",
            ],
        },
        "en": {
            "subjects": ["Re: overdue notice", "Settling up on {date}", "Bear with me", "Arrears on my account",
                         "Sorting out what I owe"],
            "bodies": [
                "I know {inv} is outstanding. I get paid at the end of the month and I'll transfer the "
                "{amount} on {date}.",
                "The bank bounced my payment because the account was short. I'll pay it next week, please "
                "don't cut my service off.",
                "Money's tight this month but you'll have it all before {date}, you have my word.",
                "I've got two bills behind. Could I pay {amount} now and clear the rest next month?",
                "We received your reminder. Our accounts team will settle {inv} on {date} in the next payment run.",
                "Sorry, completely slipped my mind. I'll send over what I owe first thing tomorrow.",
                "Can't manage the full amount at once, but half will reach you on {date} and the remainder "
                "a fortnight later.",
                "We'll clear the {amount} balance as soon as a client pays us, most likely before {date}.",
            ],
        },
    },
    "invoice_dispute": {
        "es": {
            "subjects": ["Esto no es lo que contraté", "No pienso pagar esto", "Importe equivocado",
                         "Revisen {inv}", "Conceptos que no corresponden"],
            "bodies": [
                "En {inv} me cobran un servicio de televisión que nunca pedí. No voy a pagar esa factura hasta "
                "que la corrijan.",
                "Mi tarifa es de precio fijo y me vienen {amount}. Eso no es lo pactado, revisen la factura.",
                "No reconozco las llamadas internacionales de {inv}, yo no llamo al extranjero. Pido que "
                "anulen ese importe antes de que me lo cobren.",
                "La factura {inv} incluye días en los que ya no tenía contrato con ustedes. No la acepto tal "
                "como está.",
                "Che, me facturaron dos líneas y yo tengo una sola. Quiero que emitan la factura como "
                "corresponde antes de pagar nada.",
                "Presento disconformidad con {inv}: el consumo que figura es el triple del habitual y el "
                "contador no se leyó.",
                "Me aplican una penalización por permanencia que no firmé nunca. Rechazo la factura {inv} y "
                "quiero ver el contrato.",
                "El precio de la oferta era otro. {amount} no cuadra con nada de lo que me dijeron, "
                "así que no la voy a dar por buena.",
            ],
        },
        "en": {
            "subjects": ["This isn't what I signed up for", "Not paying this", "Bill looks wrong",
                         "Query on {inv} - I don't accept it", "Charges I never agreed to"],
            "bodies": [
                "{inv} includes a TV package I never ordered. I won't be paying it until it's corrected.",
                "I'm on a fixed-price plan and you've billed me {amount}. That's not what we agreed, please "
                "reissue the bill.",
                "I don't recognise the international calls on {inv}; I never phone abroad. Remove them before "
                "you take any payment.",
                "{inv} bills me for days after my contract ended. I don't accept it as it stands.",
                "You've invoiced me for two lines when I've only ever had one. Fix it and send a correct bill.",
                "I'm formally contesting {inv}. The usage shown is three times my normal and no meter reading "
                "was taken.",
                "There's an early termination fee on {inv} for a contract term I never signed. Show me the "
                "contract or take it off.",
                "The promotional price was nothing like {amount}. I'm not treating this bill as valid.",
            ],
        },
    },
    "order_cancellation": {
        "es": {
            "subjects": ["Ya no lo quiero", "Me arrepentí de la compra", "Detengan el envío", "Olviden el pedido {order}",
                         "Baja de la compra"],
            "bodies": [
                "Hice el pedido {order} esta mañana y me equivoqué. Por favor, no lo envíen y déjenlo sin efecto.",
                "Al final ya no necesito {product}. Como todavía no ha salido del almacén, no lo manden.",
                "Encontré lo mismo más barato en otra tienda. Quiero anular la compra {order} antes de que la preparen.",
                "Por favor, frenen el pedido {order}, lo hizo mi hijo sin permiso y no lo queremos.",
                "Pedí {product} hace dos días y aún pone \"en preparación\". No lo quiero ya, dénlo de baja.",
                "La fecha de entrega que me dan es el {date} y para entonces no me sirve. Prefiero que no me lo "
                "envíen y quede anulado.",
                "Me piden confirmar el pedido {order} pero he cambiado de idea; no sigan adelante con él.",
                "Che, compré por duplicado sin querer. El segundo pedido, el {order}, bórrenlo antes de despacharlo.",
            ],
        },
        "en": {
            "subjects": ["Changed my mind", "Don't send {order}", "Stop this order", "Ordered by mistake",
                         "Please scrap my purchase"],
            "bodies": [
                "I placed order {order} this morning by mistake. Please don't ship it, I don't want it anymore.",
                "Turns out I don't need the {product} after all. It hasn't left the warehouse yet, so please "
                "call it off.",
                "Found it cheaper elsewhere. Kindly scrap order {order} before it gets packed.",
                "My kid placed order {order} without asking. Please stop it, we don't want it.",
                "Ordered a {product} two days ago and it still says processing. I no longer want it, just "
                "drop the order.",
                "You're quoting delivery on {date}, which is too late to be any use. I'd rather it wasn't sent at all.",
                "I was asked to confirm order {order} but I've changed my mind; please don't go ahead with it.",
                "I accidentally bought the same thing twice. Please kill the second one, {order}, before it ships.",
            ],
        },
    },
    "order_return": {
        "es": {
            "subjects": ["No me convence lo que llegó", "Mandarlo de vuelta", "¿Cómo lo envío de regreso?",
                         "No me quedo con {product}", "Talla/modelo que no sirve"],
            "bodies": [
                "Me llegó {product} ayer y no es lo que esperaba. ¿Cómo hago para mandárselo de vuelta?",
                "Recibí el pedido {order} en perfecto estado pero no me convence. Estoy dentro de los 14 días, "
                "¿me mandan la etiqueta para enviarlo?",
                "Compré {product} de regalo y a mi madre no le gustó. Está sin abrir, quiero retornarlo.",
                "He recibido {product} y ocupa mucho más de lo que pensaba, no me cabe. ¿Pasa el mensajero a recogerlo o "
                "lo llevo a correos?",
                "Ya me entregaron el pedido {order}, pero me he dado cuenta de que no es compatible con lo que "
                "tengo. Quiero enviarlo de vuelta y que me reintegren lo pagado.",
                "¿Puedo llevar {product} a una tienda física para dejarlo, o tengo que mandarlo por paquetería?",
                "Recibí {product} hace una semana, funciona bien pero no lo uso. Me gustaría regresarlo, ¿qué "
                "pasos tengo que seguir?",
                "Del pedido {order} me sobran dos unidades que me llegaron bien. Quiero enviárselas de nuevo a "
                "ustedes.",
            ],
        },
        "en": {
            "subjects": ["Sending it back", "Not what I hoped for", "How do I send this back?",
                         "Unwanted {product}", "Collection for an item I received"],
            "bodies": [
                "The {product} turned up yesterday and it's just not what I expected. How do I send it back?",
                "Order {order} arrived in perfect condition but I'm not keen on it. I'm within 14 days, can you "
                "email me a label?",
                "Bought the {product} as a gift and my mum doesn't like it. It's unopened, I'd like to send it back.",
                "I've received the {product} and it's far bigger than I expected, no room for it. Will a courier collect it or do I "
                "drop it at the post office?",
                "Order {order} was delivered but I've realised it isn't compatible with my setup. I want to post "
                "it back to you and get my money back.",
                "Can I drop the {product} off at one of your stores, or does it have to go back by courier?",
                "Got the {product} a week ago, works fine but I never use it. What do I need to do to hand it back?",
                "Two of the units in order {order} arrived fine but I don't need them. I'd like to send those "
                "two back to you.",
            ],
        },
    },
    "order_change": {
        "es": {
            "subjects": ["Otra dirección para el envío", "Me equivoqué al pedir", "Añadir algo a {order}",
                         "Corrección en mi compra", "Otro color, por favor"],
            "bodies": [
                "Me mudo esta semana. ¿Pueden mandar el pedido {order} a mi nueva dirección, calle Mayor 12, "
                "en vez de a la antigua?",
                "En el pedido {order} puse una unidad y necesito tres. ¿Lo pueden ajustar antes de enviarlo?",
                "Quisiera cambiar {product} de mi pedido por el modelo negro en lugar del blanco, todavía no lo "
                "han despachado.",
                "¿Se puede agregar un cargador más al pedido {order}? Pago la diferencia sin problema.",
                "Por favor, entreguen el pedido {order} el {date} en lugar de la fecha que indica, ese día no "
                "estaré en casa.",
                "Me equivoqué en el piso: es 3ºB y no 3ºA. Corrijan la dirección del pedido {order}, por favor.",
                "Quiero quitar {product} del pedido {order}, pero el resto de artículos sí los quiero igual.",
                "El pedido está a nombre de mi empresa pero lo recibiré en mi domicilio. ¿Me actualizan los "
                "datos de entrega de {order}?",
            ],
        },
        "en": {
            "subjects": ["Different delivery address", "Got the quantity wrong", "Add something to {order}",
                         "Small correction to my purchase", "Can I swap the colour?"],
            "bodies": [
                "I'm moving this week. Could you send order {order} to my new address, 12 High Street, instead "
                "of the old one?",
                "I put one unit on order {order} but I actually need three. Can you adjust it before it ships?",
                "I'd like the {product} in my order in black rather than white, if it hasn't gone out yet.",
                "Can I add another charger to order {order}? Happy to pay the difference.",
                "Please deliver order {order} on {date} instead of the date shown, I'm away that day.",
                "Typo in my flat number: it's 3B not 3A. Please correct the address on order {order}.",
                "Please take the {product} off order {order}, but I still want the rest of the items.",
                "The order is under my company's name but I'll receive it at home. Can you update the "
                "delivery details on {order}?",
            ],
        },
    },
    "delivery_incident": {
        "es": {
            "subjects": ["¿Dónde está mi paquete?", "Llegó roto", "Sigo esperando", "El seguimiento no se mueve",
                         "Dicen que lo entregaron y no"],
            "bodies": [
                "El seguimiento del pedido {order} dice entregado, pero aquí no ha llegado nada y los vecinos "
                "tampoco lo tienen.",
                "Me llegó la caja aplastada y {product} viene abollado y no enciende. Les mando fotos.",
                "Tenían que traerlo el {date} y aún no sé nada. Llevo toda la semana en casa esperando.",
                "El transportista dejó una nota de que no había nadie, y yo estaba en casa todo el día. "
                "¿Cuándo vuelven a pasar con el pedido {order}?",
                "El número de seguimiento de {order} lleva diez días sin moverse del centro logístico.",
                "Abrí el paquete y falta una pieza, solo vino la mitad de lo que pedí en {order}.",
                "Me entregaron un pedido que no es mío, con el nombre de otra persona, y el mío sigue sin aparecer.",
                "Ya van tres fechas de entrega que me dan y ninguna se cumple. ¿Me pueden decir dónde está "
                "{product}?",
            ],
        },
        "en": {
            "subjects": ["Where's my parcel?", "Arrived smashed", "Still waiting", "Tracking hasn't moved",
                         "Marked as delivered, it wasn't"],
            "bodies": [
                "Tracking for {order} says delivered, but nothing's here and none of my neighbours have it.",
                "The box came crushed and the {product} inside is dented and won't switch on. Photos attached.",
                "It was due on {date} and I've heard nothing. I've stayed home all week waiting.",
                "The driver left a card saying nobody was in, but I was home all day. When will they "
                "come back with order {order}?",
                "The tracking on {order} has been stuck at the depot for ten days.",
                "Opened the package and a part is missing, only half of what I ordered on {order} came.",
                "A parcel with someone else's name on it was left at my door, and mine still hasn't shown up.",
                "That's three delivery dates you've given me and none has happened. Where is my {product}?",
            ],
        },
    },
    "complaint": {
        "es": {
            "subjects": ["Estoy harto", "Esto es una vergüenza", "Trato recibido en tienda", "Hoja de reclamaciones",
                         "Nunca más"],
            "bodies": [
                "Llevo una hora colgado al teléfono y me han pasado de un agente a otro sin solucionar nada. "
                "Es una falta de respeto hacia los clientes.",
                "La persona que me atendió en la tienda fue maleducada y se rió de mí. Quiero que conste.",
                "Cliente desde hace diez años y me tratan como a un número. Estoy pensando seriamente en irme "
                "a la competencia.",
                "Es la tercera vez que escribo y nadie me contesta. Si esto es su atención al cliente, vaya "
                "vergüenza.",
                "Me prometieron que me llamarían en 24 horas y ha pasado una semana. Ya no me creo nada de lo "
                "que dicen.",
                "Quiero dejar constancia de mi malestar por cómo gestionaron mi caso: cada agente me decía una "
                "cosa distinta.",
                "No es normal que en pleno siglo XXI haya que ir a una oficina para cualquier trámite. Pésimo, "
                "de verdad.",
                "Su comercial vino a mi casa a presionar a mi padre, que tiene 80 años, para que firmara. Me "
                "parece indignante.",
            ],
        },
        "en": {
            "subjects": ["Fed up", "Absolutely disgraceful", "How I was treated in store", "I want this on record",
                         "Never again"],
            "bodies": [
                "I spent an hour on the phone being passed from one agent to the next and nobody fixed anything. "
                "It's disrespectful to your customers.",
                "The man who served me in your shop was rude and laughed at me. I want that noted.",
                "Ten years a customer and I'm treated like a number. I'm seriously thinking of going to a "
                "competitor.",
                "This is the third time I've written and nobody replies. If this is customer care, it's a joke.",
                "I was promised a callback within 24 hours. It's been a week. I don't believe a word you say "
                "any more.",
                "I want to register how unhappy I am with the handling of my case: every agent told me something "
                "different.",
                "Your salesman turned up at my father's house and pressured him, at 80, into signing. I find "
                "that outrageous.",
                "Your chat bot goes round in circles and there's no way to reach a human. Frankly pathetic.",
            ],
        },
    },
    "general": {
        "es": {
            "subjects": ["Una preguntita", "¿Abren los sábados?", "Información de tarifas", "¿Tienen tienda en Sevilla?",
                         "Duda antes de contratar"],
            "bodies": [
                "¿Abren los sábados por la tarde la tienda del centro? No encuentro el horario en la web.",
                "Estoy pensando en contratar fibra con ustedes. ¿Qué velocidades tienen disponibles en mi zona?",
                "¿Tienen algún punto de atención presencial en Sevilla o todo es por teléfono?",
                "Quisiera saber si venden {product} con envío a Canarias.",
                "¿Hay alguna forma de recibir las comunicaciones en papel en lugar de por correo?",
                "Buen día, ¿aceptan pago con Bizum en la tienda online? Es solo una consulta.",
                "¿Me podrían enviar el catálogo de productos de este invierno?",
                "¿Trabajan con empresas o solo con particulares? Somos una pyme de cinco personas y nos interesa.",
            ],
        },
        "en": {
            "subjects": ["Quick question", "Open on Saturdays?", "Info on your plans", "Branch in Manchester?",
                         "Before I sign up"],
            "bodies": [
                "Is the city centre store open on Saturday afternoons? I can't find the hours on the website.",
                "I'm thinking of getting broadband with you. What speeds are available at my postcode?",
                "Do you have a branch in Manchester, or is everything done over the phone?",
                "Do you ship the {product} to Northern Ireland?",
                "Is there a way to get letters from you on paper rather than by email?",
                "Do you accept PayPal on the online store? Just asking.",
                "Could you send me this winter's product catalogue?",
                "Do you do business accounts or is it consumers only? We're a small firm of five people.",
            ],
        },
    },
}
