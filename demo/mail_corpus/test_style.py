"""Test-style phrasing: the same eleven intents written by other customers.

Other templates, other greetings, other words (reintegro for reembolso, bill for
invoice, "haven't got" for "has not arrived"); none of these sentences is in the
train-style module. Slots as there.
"""

GREETINGS = {
    "es": ["Buenas tardes.", "Hola equipo,", "A la atención de administración:", "Saludos,", "Muy señores míos:"],
    "en": ["Hey there,", "Hi team,", "To whom it may concern,", "Good afternoon.", "Hello there,"],
}
CLOSINGS = {
    "es": ["Atentamente.", "Muchas gracias de antemano.", "Espero su respuesta.", "Un cordial saludo", "Gracias y saludos"],
    "en": ["Cheers", "Many thanks in advance.", "Awaiting your reply.", "Sincerely,", "Thanks a lot"],
}

TEMPLATES: dict[str, dict[str, dict[str, list[str]]]] = {
    "billing_credit": {
        "es": {
            "subjects": ["Reintegro de {amount}", "Me habéis cobrado de más", "Devolución de dinero factura {inv}"],
            "bodies": [
                "En el extracto del banco aparece dos veces el recibo de {inv}. Quiero que me reintegren {amount}.",
                "Pagué {amount} de más en la {inv}. ¿Pueden hacerme una nota de crédito?",
                "El pedido {order} se anuló pero el cobro de {amount} sigue ahí. Devuélvanme el dinero.",
                "Me aplicaron un precio mayor del acordado en {inv}; la diferencia, {amount}, me la tienen que reintegrar.",
            ],
        },
        "en": {
            "subjects": ["Money back for {inv}", "You took {amount} too much", "Need a reimbursement"],
            "bodies": [
                "My bank statement shows {inv} debited twice. I need {amount} reimbursed.",
                "I paid {amount} too much on {inv}. Can you put a credit on my account?",
                "Order {order} was called off but the {amount} was taken anyway. I want my money back.",
                "You billed me above the agreed price on {inv}; please pay back the difference of {amount}.",
            ],
        },
    },
    "billing_enquiry": {
        "es": {
            "subjects": ["Pregunta sobre un recibo", "¿Me reenvían la {inv}?", "Factura sin recibir"],
            "bodies": [
                "Necesito la {inv} en PDF para contabilidad, ¿me la reenvían?",
                "Todavía no tengo factura del pedido {order}; ¿cuándo la emiten?",
                "En el recibo {inv} aparece un concepto de {amount} que no sé a qué corresponde. ¿Qué es?",
                "¿A qué se debe el importe de {amount} en la {inv}? Solo es una pregunta.",
            ],
        },
        "en": {
            "subjects": ["Quick question on a bill", "Resend {inv}?", "Bill not received"],
            "bodies": [
                "Our accounts team needs {inv} as a PDF, could you resend it?",
                "I still have no bill for order {order}; when will it be issued?",
                "Bill {inv} shows a line of {amount} and I am not sure what it is for. What is it?",
                "What does the {amount} on {inv} relate to? Just asking.",
            ],
        },
    },
    "payment_authorisation": {
        "es": {
            "subjects": ["Datos bancarios para el recibo", "Pueden pasarme el recibo", "Permiso para el cobro"],
            "bodies": [
                "Doy mi conformidad para que carguen {amount} en la cuenta {iban}.",
                "A partir de ahora pasen los recibos a esta cuenta: {iban}. Tienen mi permiso.",
                "Les doy permiso para cobrar la {inv} ({amount}) directamente de mi cuenta bancaria.",
                "Confirmo que pueden pasar el recibo de {amount} a la cuenta {iban} el {date}.",
            ],
        },
        "en": {
            "subjects": ["Bank details for the payment", "Go ahead and collect", "Permission to collect payment"],
            "bodies": [
                "I give my consent for you to collect {amount} from account {iban}.",
                "From now on please collect the bills from this account: {iban}. You have my permission.",
                "You have my permission to take {inv} ({amount}) directly from my bank account.",
                "I confirm you can collect the {amount} from account {iban} on {date}.",
            ],
        },
    },
    "payment_promise": {
        "es": {
            "subjects": ["Pendiente de pago", "Les pago la semana que viene", "Sobre la deuda de {inv}"],
            "bodies": [
                "Ahora ando justo, pero el {date} les ingreso los {amount}.",
                "Sé que la {inv} está vencida; el {date} cobro y la liquido.",
                "Les confirmo que el {date} saldamos la deuda de {amount}.",
                "Denme hasta el {date} y les hago el ingreso de la {inv}.",
            ],
        },
        "en": {
            "subjects": ["Outstanding balance", "Paying next week", "About the debt on {inv}"],
            "bodies": [
                "Money is tight now, but on {date} I'll send the {amount}.",
                "I know {inv} is overdue; I get paid on {date} and will clear it then.",
                "We confirm the {amount} balance will be paid off on {date}.",
                "Give me until {date} and I'll transfer the money for {inv}.",
            ],
        },
    },
    "invoice_dispute": {
        "es": {
            "subjects": ["Disconformidad con {inv}", "Impugno el recibo", "Ese importe no es correcto"],
            "bodies": [
                "Muestro mi disconformidad con la {inv}: nunca pedimos lo que se factura por {amount}.",
                "Impugno el recibo {inv}, el precio de {amount} no es el que firmamos.",
                "Esos {amount} de la {inv} no son correctos y no los voy a abonar hasta que lo revisen.",
                "La {inv} incluye portes que no acordamos. No acepto ese cargo.",
            ],
        },
        "en": {
            "subjects": ["Contesting {inv}", "Bill is wrong", "That amount is not right"],
            "bodies": [
                "I am contesting {inv}: we never ordered what you charged {amount} for.",
                "The {amount} on bill {inv} is not the price we signed, so I won't pay it.",
                "Those {amount} on {inv} are not right and I will not pay until you review them.",
                "{inv} includes shipping we never agreed. I refuse that charge.",
            ],
        },
    },
    "order_cancellation": {
        "es": {
            "subjects": ["Baja del pedido {order}", "Desisto de la compra", "No quiero el pedido"],
            "bodies": [
                "He cambiado de opinión y desisto de la compra {order}.",
                "Den de baja el pedido {order}; ya no lo vamos a necesitar.",
                "Al final no quiero {product}, paren el pedido {order} y no lo manden.",
                "Retiro el pedido {order}: lo he conseguido en otra tienda.",
            ],
        },
        "en": {
            "subjects": ["Call off order {order}", "Changed my mind", "Don't want the order"],
            "bodies": [
                "I changed my mind, please call off purchase {order}.",
                "Withdraw my order {order}; we will not be needing it.",
                "I don't want the {product} after all, stop order {order} and don't ship it.",
                "Scrap order {order} please, I found it in another shop.",
            ],
        },
    },
    "order_return": {
        "es": {
            "subjects": ["Recogida de {product}", "Mandarles de vuelta el pedido", "Retorno {order}"],
            "bodies": [
                "Resulta que {product} del pedido {order} no encaja en la oficina; ¿cómo se lo mando de vuelta?",
                "Quiero mandarles de vuelta el pedido {order}. ¿Me envían una etiqueta?",
                "¿Pueden pasar a recoger {product}? No lo vamos a quedar.",
                "Nos ha sobrado {product} del pedido {order} y queremos retornarlo y que nos reintegren.",
            ],
        },
        "en": {
            "subjects": ["Pick up the {product}", "Sending the order back", "RMA for {order}"],
            "bodies": [
                "The {product} from order {order} doesn't fit our office; how do I send it back?",
                "I'd like to send back order {order}. Could you email me a label?",
                "Can your courier collect the {product}? We are not keeping it.",
                "We have a spare {product} from order {order} and want to ship it back for our money.",
            ],
        },
    },
    "order_change": {
        "es": {
            "subjects": ["Actualizar pedido {order}", "Otra dirección de envío", "Ampliar pedido"],
            "bodies": [
                "Amplíen el pedido {order} con dos unidades más de {product}.",
                "El pedido {order} debe ir a otra dirección: Avenida del Puerto 5, Valencia.",
                "¿Se puede actualizar el pedido {order} para que llegue el {date} en vez de mañana?",
                "En el pedido {order} pongan {product} de color negro en lugar de blanco.",
            ],
        },
        "en": {
            "subjects": ["Update order {order}", "New shipping address", "Add to my order"],
            "bodies": [
                "Please bump order {order} up by two more {product} units.",
                "Order {order} needs to go to a different address: 5 Harbour Road, Bristol.",
                "Could order {order} be amended so it arrives on {date} rather than tomorrow?",
                "On order {order} please switch the {product} to black rather than white.",
            ],
        },
    },
    "delivery_incident": {
        "es": {
            "subjects": ["¿Dónde está mi pedido?", "Mercancía en mal estado", "El envío {order} no aparece"],
            "bodies": [
                "¿Dónde está mi pedido {order}? El mensajero no ha aparecido.",
                "La caja del pedido {order} venía aplastada y {product} está roto.",
                "El envío {order} lleva una semana parado; nadie sabe dónde está.",
                "Según la web el pedido {order} está entregado, pero aquí no ha llegado nada.",
            ],
        },
        "en": {
            "subjects": ["Where is my order?", "Goods arrived in bad shape", "Shipment {order} missing"],
            "bodies": [
                "Where is my order {order}? The driver never showed up.",
                "The box for order {order} came crushed and the {product} is smashed.",
                "Shipment {order} has been stuck for a week; nobody knows where it is.",
                "Your website says order {order} is delivered but I haven't got anything.",
            ],
        },
    },
    "complaint": {
        "es": {
            "subjects": ["Mi descontento", "Trato vergonzoso", "Reclamación por el servicio"],
            "bodies": [
                "Quiero dejar constancia de mi descontento: su personal me colgó el teléfono dos veces.",
                "Nunca me habían tratado tan mal en una empresa. Una vergüenza.",
                "Es la tercera vez que les escribo y nadie contesta. Estoy muy decepcionado con ustedes.",
                "El trato de su comercial fue una falta de respeto. Exijo una disculpa.",
            ],
        },
        "en": {
            "subjects": ["My dissatisfaction", "Shocking treatment", "Grievance about your staff"],
            "bodies": [
                "I want to put on record my dissatisfaction: your staff hung up on me twice.",
                "I have never been treated so badly by a company. Shameful.",
                "This is the third time I write and nobody replies. I am really let down by you.",
                "Your sales rep's attitude was disrespectful. I demand an apology.",
            ],
        },
    },
    "general": {
        "es": {
            "subjects": ["Una pregunta", "¿Abren el sábado?", "Tarifas"],
            "bodies": [
                "¿Abren el sábado por la mañana?",
                "¿Hacen envíos a Canarias y cuánto cuesta?",
                "Quería saber si venden {product} para empresas y en qué plazos.",
                "¿Me pasan las tarifas vigentes para este año?",
            ],
        },
        "en": {
            "subjects": ["A question", "Open on Saturday?", "Price list"],
            "bodies": [
                "Are you open on Saturday morning?",
                "Do you ship to Ireland and how much does it cost?",
                "I wanted to know if you sell {product} to businesses and your lead times.",
                "Could you send me this year's price list?",
            ],
        },
    },
}
PRODUCTS = {
    "es": ["la mesa de reuniones", "el proyector", "la destructora de papel", "el sillón", "la pizarra"],
    "en": ["meeting table", "projector", "paper shredder", "armchair", "whiteboard"],
}
