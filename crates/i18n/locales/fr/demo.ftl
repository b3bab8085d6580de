# The demo services (canteen, registered letters, demo IdPs).

demo-tagline = Démonstration locale
demo-mailbox-title = Courriels envoyés par la démo
demo-mailbox-lead = La démonstration n'envoie aucun courriel réel : son serveur SMTP local les garde ici (et dans le dossier relais-demo-mail).
demo-mailbox-empty = Aucun courriel pour l'instant. Connectez-vous à un service : un courriel de connexion arrive ici.
demo-mailbox-to = À :
