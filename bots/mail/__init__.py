"""Customer mail: the mailbox connector side lives in connectors/, the understanding in bots.mail.understand."""
