"""Mails a person would hesitate over: (category, language, subject, text), slots as the
templates'. Mixed languages, no keywords, two requests in one, a few words, shouting."""

HARD_CASES: list[tuple[str, str, str, str]] = [
    ("order_cancellation", "es", "Re: pedido", "mejor no, déjalo. {order}"),
    ("delivery_incident", "en", "??", "still nothing. {order}. hello??"),
    ("complaint", "es", "ÚLTIMO AVISO", "ES LA CUARTA VEZ QUE ESCRIBO. NADIE HACE NADA. VOY A IR A CONSUMO."),
    ("invoice_dispute", "en", "invoice", "Hola, sorry my English. The invoice {inv} is not correct, "
                                        "we never received this goods, no pagamos."),
    ("payment_promise", "es", "Re: recordatorio de pago", "Ok, el {date} está hecho. {amount}"),
    ("billing_credit", "en", "Fwd: statement", "See below. Twice. Sort it out please.\n\n"
                                              "---------- Forwarded message ---------\n"
                                              "Card payment {amount} {inv}\nCard payment {amount} {inv}"),
    ("order_return", "es", "", "Adjunto fotos. No es el modelo que pedí ({order}). Lo mando de vuelta?"),
    ("order_change", "en", "quick one", "Can we make it 10 instead of 4 on {order}? Same address."),
    ("payment_authorisation", "es", "IBAN", "{iban}\n\nPara los recibos."),
    ("general", "en", "Hello", "Hi, do you have an office in Seville?"),
    ("billing_enquiry", "es", "Factura", "Buenas, la {inv} me sale por {amount} y el pedido era menos. "
                                         "¿Es correcto o me he liado yo?"),
    ("complaint", "en", "Re: Re: Re: case", "Three replies and still no solution. Unbelievable."),
    ("delivery_incident", "es", "Pedido {order}", "Llegó, pero le falta una pieza y así no se puede montar."),
    ("order_cancellation", "en", "order {order}", "Cancel. Also, can I get the new catalogue?"),
    ("payment_promise", "en", "Invoice {inv}", "Our payment run is on the {date}; it will be in that one."),
    ("invoice_dispute", "es", "{inv}", "Esto no lo pedimos nosotros. Anulen la factura."),
]
