# The demo services (canteen, registered letters, demo IdPs).

demo-tagline = Local demonstration
demo-mailbox-title = E-mails sent by the demo
demo-mailbox-lead = The demo sends no real e-mail: its local SMTP server keeps them here (and in the relais-demo-mail folder).
demo-mailbox-empty = No e-mail yet. Log in to a service: a connection e-mail arrives here.
demo-mailbox-to = To:
