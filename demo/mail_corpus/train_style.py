"""Train-style phrasing: how one group of customers writes (templates and vocabulary).

The test-style module says the same eleven things with other templates and other
words; a model trained here and scored there is measured on phrasing it never saw.
Slots: {inv} {order} {cust} {amount} {date} {iban} {product}.
"""

GREETINGS = {
    "es": ["Hola,", "Buenos días,", "Estimados señores:", "Hola buenas,", ""],
    "en": ["Hi,", "Hello,", "Dear Sir or Madam,", "Good morning,", ""],
}
CLOSINGS = {
    "es": ["Gracias.", "Un saludo.", "Saludos cordiales.", "Quedo a la espera.", ""],
    "en": ["Thanks.", "Kind regards.", "Best regards.", "Looking forward to hearing from you.", ""],
}

TEMPLATES: dict[str, dict[str, dict[str, list[str]]]] = {
    "billing_credit": {
        "es": {
            "subjects": ["Solicitud de abono", "Abono factura {inv}", "Cobro duplicado", "Reembolso pendiente"],
            "bodies": [
                "Me han cobrado dos veces la factura {inv}. Solicito el abono de {amount}.",
                "En la factura {inv} se me ha cobrado de más. Les pido una factura rectificativa por {amount}.",
                "Necesito que me reembolsen {amount} del pedido {order}, que anulasteis y sí me cobrasteis.",
                "Hay un cargo duplicado de {amount} en mi cuenta por la factura {inv}. Por favor, emitan el abono.",
                "Pido la devolución del importe de {amount}; el servicio no se prestó y la factura {inv} se pagó.",
            ],
        },
        "en": {
            "subjects": ["Refund request", "Credit note for {inv}", "Charged twice", "Overcharge on invoice"],
            "bodies": [
                "I was charged twice for invoice {inv}. Please issue a credit note for {amount}.",
                "Invoice {inv} overcharged me by {amount}. I would like a refund.",
                "Please refund {amount} for order {order}; it was cancelled but I was still charged.",
                "There is a duplicate charge of {amount} on my account for {inv}. Please credit it back.",
                "I request a refund of {amount}, the service was never provided but {inv} was paid.",
            ],
        },
    },
    "billing_enquiry": {
        "es": {
            "subjects": ["Consulta sobre factura {inv}", "Copia de factura", "Duda facturación", "Desglose de la factura"],
            "bodies": [
                "¿Podrían enviarme una copia de la factura {inv}? No la encuentro.",
                "No he recibido la factura del pedido {order}. ¿Me la pueden mandar?",
                "Tengo una consulta sobre la factura {inv}: ¿qué es el concepto de {amount}?",
                "¿Me pueden explicar el desglose de la factura {inv}? No entiendo los importes.",
                "Necesito que cambien los datos fiscales (NIF) en la factura {inv}.",
            ],
        },
        "en": {
            "subjects": ["Question about invoice {inv}", "Invoice copy", "Billing query", "Breakdown of charges"],
            "bodies": [
                "Could you send me a copy of invoice {inv}? I cannot find it.",
                "I have not received the invoice for order {order}. Can you send it?",
                "I have a question about invoice {inv}: what is the charge of {amount}?",
                "Can you explain the breakdown of invoice {inv}? I do not understand the amounts.",
                "Please update the VAT number and billing address on invoice {inv}.",
            ],
        },
    },
    "payment_authorisation": {
        "es": {
            "subjects": ["Autorización de cargo", "Domiciliación bancaria", "Autorizo el adeudo", "Mandato SEPA firmado"],
            "bodies": [
                "Autorizo el cargo de {amount} en mi cuenta {iban} para la factura {inv}.",
                "Les envío la domiciliación: pueden cargar las facturas en la cuenta {iban}.",
                "Por la presente autorizo el adeudo de {amount} correspondiente a {inv}.",
                "Adjunto el mandato SEPA firmado. Cuenta para los cargos: {iban}.",
                "Pueden cobrar {amount} de mi cuenta {iban} el {date}.",
            ],
        },
        "en": {
            "subjects": ["Payment authorisation", "Direct debit", "I authorise the charge", "Signed SEPA mandate"],
            "bodies": [
                "I authorise you to charge {amount} to my account {iban} for invoice {inv}.",
                "Here is my direct debit instruction: you can debit my account {iban} for future invoices.",
                "I hereby authorise the debit of {amount} for invoice {inv}.",
                "Attached is the signed SEPA mandate. Account for the debits: {iban}.",
                "You may take the payment of {amount} from account {iban} on {date}.",
            ],
        },
    },
    "payment_promise": {
        "es": {
            "subjects": ["Pago de la factura {inv}", "Compromiso de pago", "Pagaré la deuda", "Fecha de pago"],
            "bodies": [
                "Pagaré la factura {inv} de {amount} el {date}, sin falta.",
                "Haremos el pago de {amount} antes del {date}; ahora mismo no podemos.",
                "Me comprometo a pagar el importe pendiente de {amount} el {date}.",
                "Realizaré la transferencia de la factura {inv} el {date}. Disculpen el retraso.",
                "Les abonaremos los {amount} a final de mes, el {date}.",
            ],
        },
        "en": {
            "subjects": ["Payment of invoice {inv}", "Promise to pay", "I will pay", "Payment date"],
            "bodies": [
                "I will pay invoice {inv} for {amount} on {date} without fail.",
                "We will make the payment of {amount} before {date}; we cannot right now.",
                "I promise to pay the outstanding {amount} on {date}.",
                "I will transfer the money for invoice {inv} on {date}. Sorry for the delay.",
                "We will settle the {amount} at the end of the month, on {date}.",
            ],
        },
    },
    "invoice_dispute": {
        "es": {
            "subjects": ["Factura incorrecta {inv}", "No estoy de acuerdo con la factura", "Error en factura", "Reclamación factura"],
            "bodies": [
                "La factura {inv} es incorrecta: el importe de {amount} no corresponde a lo pedido.",
                "No estoy de acuerdo con la factura {inv}. No reconozco el cargo de {amount}.",
                "Hay un error en la factura {inv}; el precio pactado era otro y no pienso pagarla así.",
                "Reclamo la factura {inv}: me facturan {amount} por un servicio que no contraté.",
                "No debo los {amount} de la factura {inv}; ya lo hablé con el comercial.",
            ],
        },
        "en": {
            "subjects": ["Incorrect invoice {inv}", "I dispute this invoice", "Error on invoice", "Wrong amount"],
            "bodies": [
                "Invoice {inv} is incorrect: the amount of {amount} does not match what I ordered.",
                "I do not agree with invoice {inv}. I do not recognise the charge of {amount}.",
                "There is an error on invoice {inv}; the agreed price was different and I will not pay it.",
                "I dispute invoice {inv}: you billed {amount} for a service I never ordered.",
                "I do not owe the {amount} on invoice {inv}; I already discussed it with your sales rep.",
            ],
        },
    },
    "order_cancellation": {
        "es": {
            "subjects": ["Cancelar pedido {order}", "Anulación del pedido", "Cancelación", "Anular compra {order}"],
            "bodies": [
                "Quiero cancelar el pedido {order}, ya no lo necesito.",
                "Por favor, anulen el pedido {order} antes de enviarlo.",
                "Les pido la cancelación del pedido {order} de {product}.",
                "Me he equivocado al pedir; cancelen el pedido {order}, por favor.",
                "No envíen el pedido {order}, lo quiero anular.",
            ],
        },
        "en": {
            "subjects": ["Cancel order {order}", "Order cancellation", "Cancellation", "Please cancel {order}"],
            "bodies": [
                "I want to cancel order {order}, I no longer need it.",
                "Please cancel order {order} before it ships.",
                "I am asking for the cancellation of order {order} for {product}.",
                "I ordered by mistake; please cancel order {order}.",
                "Don't send order {order}, I want to cancel it.",
            ],
        },
    },
    "order_return": {
        "es": {
            "subjects": ["Devolución pedido {order}", "Quiero devolver", "Etiqueta de devolución", "Devolución de {product}"],
            "bodies": [
                "Quiero devolver el pedido {order}, {product} no me sirve.",
                "¿Cómo hago la devolución de {product} del pedido {order}? Necesito la etiqueta.",
                "Solicito la devolución del pedido {order}; la talla no es la correcta.",
                "Me gustaría devolver {product}. ¿Pueden pasar a recogerlo?",
                "Devuelvo el pedido {order}, no es lo que esperaba. Indíquenme el proceso de devolución.",
            ],
        },
        "en": {
            "subjects": ["Return order {order}", "I want to return", "Return label", "Return of {product}"],
            "bodies": [
                "I want to return order {order}, the {product} is not suitable.",
                "How do I return the {product} from order {order}? I need a return label.",
                "I request a return for order {order}; the size is wrong.",
                "I would like to return the {product}. Can you arrange a pickup?",
                "I am returning order {order}, it is not what I expected. Please tell me the return process.",
            ],
        },
    },
    "order_change": {
        "es": {
            "subjects": ["Modificar pedido {order}", "Cambio de dirección", "Cambiar cantidad", "Modificación del pedido"],
            "bodies": [
                "Quiero modificar el pedido {order}: en lugar de 2 unidades, 5.",
                "Por favor, cambien la dirección de entrega del pedido {order} a Calle Mayor 12, Madrid.",
                "¿Puedo añadir {product} al pedido {order}?",
                "Necesito cambiar la fecha de entrega del pedido {order} al {date}.",
                "Quiten {product} del pedido {order} y dejen el resto.",
            ],
        },
        "en": {
            "subjects": ["Change order {order}", "Change of address", "Change quantity", "Order modification"],
            "bodies": [
                "I want to change order {order}: 5 units instead of 2.",
                "Please change the delivery address of order {order} to 12 High Street, Leeds.",
                "Can I add {product} to my order {order}?",
                "I need to change the delivery date of order {order} to {date}.",
                "Remove the {product} from order {order} and keep the rest.",
            ],
        },
    },
    "delivery_incident": {
        "es": {
            "subjects": ["Pedido {order} no ha llegado", "Paquete dañado", "Retraso en la entrega", "Incidencia envío"],
            "bodies": [
                "El pedido {order} no ha llegado y ya han pasado diez días.",
                "El paquete del pedido {order} ha llegado roto; {product} está dañado.",
                "Hay un retraso en la entrega del pedido {order}; el seguimiento no se actualiza.",
                "El transportista dice que entregó el pedido {order}, pero no he recibido nada.",
                "Me ha llegado el paquete abierto y falta {product} del pedido {order}.",
            ],
        },
        "en": {
            "subjects": ["Order {order} has not arrived", "Damaged parcel", "Late delivery", "Delivery problem"],
            "bodies": [
                "Order {order} has not arrived and it has been ten days.",
                "The parcel for order {order} arrived broken; the {product} is damaged.",
                "The delivery of order {order} is late; the tracking does not update.",
                "The courier says order {order} was delivered, but I never received it.",
                "The parcel arrived open and the {product} from order {order} is missing.",
            ],
        },
    },
    "complaint": {
        "es": {
            "subjects": ["Queja", "Muy mal servicio", "Queja formal", "Inaceptable"],
            "bodies": [
                "Quiero poner una queja por el trato recibido en atención al cliente. Es inaceptable.",
                "Llevo tres semanas llamando y nadie me responde. Pésimo servicio.",
                "Estoy muy indignado con su empresa; el comercial fue grosero conmigo.",
                "Es lamentable cómo tratan a los clientes de toda la vida. Presento una queja.",
                "Estoy harto de esperar respuestas; su atención al cliente es vergonzosa.",
            ],
        },
        "en": {
            "subjects": ["Complaint", "Terrible service", "Formal complaint", "Unacceptable"],
            "bodies": [
                "I want to complain about how I was treated by customer service. It is unacceptable.",
                "I have been calling for three weeks and nobody answers. Terrible service.",
                "I am very disappointed with your company; your sales rep was rude to me.",
                "It is appalling how you treat long-standing customers. This is a complaint.",
                "I am fed up waiting for answers; your customer service is a disgrace.",
            ],
        },
    },
    "general": {
        "es": {
            "subjects": ["Información", "Horario", "Consulta", "Catálogo"],
            "bodies": [
                "¿Cuál es su horario de atención en verano?",
                "Me gustaría recibir su catálogo de productos actualizado.",
                "¿Tienen {product} en stock? Me gustaría saber el precio.",
                "¿Me pueden dar un teléfono de contacto para comerciales?",
                "Quisiera un presupuesto para 20 unidades de {product}.",
            ],
        },
        "en": {
            "subjects": ["Information", "Opening hours", "Question", "Catalogue"],
            "bodies": [
                "What are your opening hours in summer?",
                "I would like to receive your updated product catalogue.",
                "Do you have {product} in stock? I would like to know the price.",
                "Can you give me a contact phone number for sales?",
                "I would like a quote for 20 units of {product}.",
            ],
        },
    },
}
PRODUCTS = {
    "es": ["la silla de oficina", "el monitor", "la impresora", "el teclado", "la lámpara", "el archivador"],
    "en": ["office chair", "monitor", "printer", "keyboard", "desk lamp", "filing cabinet"],
}


def _widen() -> None:
    from demo.mail_corpus.train_more import LATER, MORE, TERSE_AND_WORDY

    for batch in (MORE, LATER, TERSE_AND_WORDY):
        for category, languages in batch.items():
            for language, cell in languages.items():
                for key in ("subjects", "bodies"):
                    TEMPLATES[category][language][key].extend(cell[key])


_widen()
