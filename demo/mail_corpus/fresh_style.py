"""Fresh-style phrasing: a third population of customers, written AFTER the rules, the
model settings and the other two styles were frozen, and never used to tune anything.
Its score is the honest one (`fresh_macro_f1` of `evaluate`). Slots as in train_style.
"""

GREETINGS = {
    "es": ["Estimado equipo:", "Hola de nuevo,", "Buen día,", "Qué tal,", ""],
    "en": ["Dear team,", "Hi again,", "Morning,", "Hiya,", ""],
}
CLOSINGS = {
    "es": ["Quedo atento.", "Gracias por todo.", "Saludos desde Bilbao.", "Espero noticias.", ""],
    "en": ["Speak soon.", "Thanks for your help.", "All the best,", "Regards from Leeds.", ""],
}

TEMPLATES: dict[str, dict[str, dict[str, list[str]]]] = {
    "billing_credit": {
        "es": {"subjects": ["Saldo a mi favor", "Pago repetido {inv}"], "bodies": [
            "Por error pagamos la {inv} por transferencia y también se cobró por domiciliación; queda un saldo de {amount} a nuestro favor que quisiéramos recuperar.",
            "Tras la promoción el precio final era menor, así que nos corresponde un abono de {amount} sobre {inv}.",
            "Canceláis el servicio pero habéis cobrado el mes entero; solicito que me restituyan {amount}.",
        ]},
        "en": {"subjects": ["Balance in my favour", "Paid {inv} two times"], "bodies": [
            "By mistake we paid {inv} by transfer and it was also direct-debited; there is {amount} in our favour we'd like returned.",
            "After the promotion the final price was lower, so we are owed a credit of {amount} against {inv}.",
            "You ended the service but billed the full month; please give me back {amount}.",
        ]},
    },
    "billing_enquiry": {
        "es": {"subjects": ["Aclaración {inv}", "¿Dónde descargo mis facturas?"], "bodies": [
            "¿Dónde puedo descargar mis facturas del último trimestre? En el área de cliente no aparecen.",
            "¿La {inv} incluye ya el IVA o se suma aparte? Lo necesito para la declaración.",
            "Quisiera saber a qué periodo corresponde la {inv} de {amount}.",
        ]},
        "en": {"subjects": ["Clarification on {inv}", "Where can I download my invoices?"], "bodies": [
            "Where can I download my invoices for the last quarter? They are not in the customer area.",
            "Does {inv} already include VAT or is it added on top? I need it for our tax return.",
            "I'd like to know which period {inv} for {amount} covers.",
        ]},
    },
    "payment_authorisation": {
        "es": {"subjects": ["Orden de cobro", "Cuenta de cargo nueva"], "bodies": [
            "Hemos cambiado de banco: a partir de este mes carguen los recibos en {iban}. Lo dejo firmado.",
            "Acepto que se cobre {amount} mediante adeudo en {iban} para cerrar la {inv}.",
            "Les remito la orden firmada para que nos cobren directamente en la cuenta {iban}.",
        ]},
        "en": {"subjects": ["Collection order", "New account for debits"], "bodies": [
            "We have changed bank: from this month please debit the bills from {iban}. Signed off.",
            "I accept that {amount} is taken by debit from {iban} to close {inv}.",
            "Please find the signed order so you can collect directly from account {iban}.",
        ]},
    },
    "payment_promise": {
        "es": {"subjects": ["Regularizaremos la {inv}", "Calendario de pago"], "bodies": [
            "Regularizaremos la {inv} el {date}; ese día entra el cobro de un cliente.",
            "Proponemos pagar {amount} el {date} y el resto el mes siguiente.",
            "Cuenten con el ingreso de {amount} como muy tarde el {date}.",
        ]},
        "en": {"subjects": ["We'll settle {inv}", "Payment schedule"], "bodies": [
            "We'll settle {inv} on {date}; a client's payment comes in that day.",
            "We propose to pay {amount} on {date} and the rest the following month.",
            "You can count on {amount} arriving by {date} at the latest.",
        ]},
    },
    "invoice_dispute": {
        "es": {"subjects": ["Objeción a la {inv}", "Cobro indebido {inv}"], "bodies": [
            "Objetamos la {inv}: las horas facturadas no coinciden con el parte firmado.",
            "La {inv} aplica una tarifa que no figura en nuestro contrato; no procede el pago de {amount}.",
            "Esa factura {inv} es de otra empresa, nosotros no tenemos nada que ver.",
        ]},
        "en": {"subjects": ["Objection to {inv}", "Improper charge {inv}"], "bodies": [
            "We object to {inv}: the hours billed do not match the signed timesheet.",
            "{inv} applies a rate that is not in our contract; the {amount} is not payable.",
            "That invoice {inv} belongs to another company, it has nothing to do with us.",
        ]},
    },
    "order_cancellation": {
        "es": {"subjects": ["Suspender pedido {order}", "Ya no hace falta"], "bodies": [
            "Suspendan el pedido {order}, el cliente final se ha echado atrás.",
            "Ya no hace falta el pedido {order}; por favor, no lo preparen.",
            "Dejen sin efecto nuestro pedido {order} de {product}.",
        ]},
        "en": {"subjects": ["Halt order {order}", "No longer required"], "bodies": [
            "Halt order {order}, the end client has backed out.",
            "Order {order} is no longer required; please don't prepare it.",
            "Please void our order {order} for the {product}.",
        ]},
    },
    "order_return": {
        "es": {"subjects": ["Reenviar artículo", "Producto para reintegrar"], "bodies": [
            "Os reenvío {product} del pedido {order}: llegó en un modelo distinto al del catálogo.",
            "¿Puedo llevar {product} a una oficina de correos para reintegrarlo?",
            "Solicitamos número de autorización para reexpedir {product} del pedido {order}.",
        ]},
        "en": {"subjects": ["Sending an item back", "Product to give back"], "bodies": [
            "I'm posting the {product} from order {order} back to you: it's a different model from the catalogue.",
            "Can I take the {product} to a post office to give it back?",
            "We request an authorisation number to ship the {product} from order {order} back.",
        ]},
    },
    "order_change": {
        "es": {"subjects": ["Ajuste en el pedido {order}", "Corrección del pedido"], "bodies": [
            "Ajusten el pedido {order}: sustituyan {product} por el modelo superior.",
            "En el pedido {order} la planta de entrega es la tercera, no la primera. Corríjanlo, por favor.",
            "¿Es posible dividir el pedido {order} en dos entregas?",
        ]},
        "en": {"subjects": ["Adjustment to order {order}", "Order correction"], "bodies": [
            "Please adjust order {order}: swap the {product} for the premium model.",
            "On order {order} the delivery floor is the third, not the first. Please correct it.",
            "Is it possible to split order {order} into two deliveries?",
        ]},
    },
    "delivery_incident": {
        "es": {"subjects": ["Entrega fallida", "Bulto perdido {order}"], "bodies": [
            "El repartidor dejó un aviso pero estábamos en la oficina; el pedido {order} sigue sin entregarse.",
            "Del pedido {order} solo llegó uno de los dos bultos.",
            "{product} llegó con golpes y la pata doblada.",
        ]},
        "en": {"subjects": ["Failed delivery", "Package lost {order}"], "bodies": [
            "The driver left a card but we were in the office; order {order} is still not delivered.",
            "Only one of the two packages of order {order} turned up.",
            "The {product} arrived dented with a bent leg.",
        ]},
    },
    "complaint": {
        "es": {"subjects": ["Muy molesto", "Insatisfecho"], "bodies": [
            "Me siento engañado: nadie cumple lo que se compromete por teléfono.",
            "Su chat me tuvo una hora esperando para nada. No es forma de tratar a nadie.",
            "Llevo años con ustedes y nunca había estado tan insatisfecho.",
        ]},
        "en": {"subjects": ["Very annoyed", "Not satisfied"], "bodies": [
            "I feel misled: nobody does what they promise on the phone.",
            "Your chat kept me waiting an hour for nothing. That is no way to treat people.",
            "I have been with you for years and have never been so unsatisfied.",
        ]},
    },
    "general": {
        "es": {"subjects": ["Colaboración", "Datos de contacto"], "bodies": [
            "¿Con quién puedo hablar para ser proveedor suyo?",
            "¿Su empresa ofrece servicio de instalación en Portugal?",
            "¿Cuál es la dirección de su almacén central?",
        ]},
        "en": {"subjects": ["Partnership", "Contact details"], "bodies": [
            "Who can I talk to about becoming one of your suppliers?",
            "Does your company offer installation in Portugal?",
            "What is the address of your main warehouse?",
        ]},
    },
}
PRODUCTS = {
    "es": ["la estantería", "el escritorio elevable", "la taquilla", "el biombo"],
    "en": ["shelving unit", "standing desk", "locker", "room divider"],
}
