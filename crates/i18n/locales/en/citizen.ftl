# Citizen space and connection e-mails.

space-title = My Relais space
space-lead = See every login made with Relais and every data exchange made in your name over the last six months, and choose which accounts may log you in.
space-login = Log in to my space
space-logout = Log out of my space
space-welcome-why = To protect your history, log in with one of your usual accounts.
space-history-title = History of my logins and my data
space-history-empty = No login and no data exchange over this period.
space-history-retention = The history covers the last six months; older entries are deleted.
space-filter-label = Service
space-filter-all = All services
space-filter-submit = Filter
space-page-newer = Newer entries
space-page-older = Older entries
space-entry-connection = On { $when }, you logged in to { $service } with { $idp } (level { $level }). Shared: { $shared }.
space-entry-connection-anonymous = On { $when }, you logged in to { $service } with { $idp } (level { $level }), without sharing personal data.
space-entry-data = On { $when }, { $dp } sent { $service }: { $shared }.
space-choices-title = My login accounts
space-choices-lead = Untick an account to block it: it will no longer log you in, even on a session already open.
space-choices-in-use = account used for this login, it cannot be blocked
space-choices-future = Block login accounts added in the future
space-choices-save = Save my choices
space-choices-saved = Your choices are saved.
space-export-title = Export my data
space-export-lead = Download your history and the pseudonymous identifiers sent to each organisation (right of access, GDPR).
space-export-json = Download as JSON
space-export-csv = Download as CSV

mail-connection-subject = Login to { $service } with Relais
mail-connection-body =
    Hello,

    You logged in to { $service } on { $when } with { $idp }.

    If this was you, there is nothing to do.
    If not, change the password of your { $idp } account and block that account in your Relais space:
    { $space }

    Your space also shows the history of your logins and of the data shared in your name.

    — Relais, identity federation. This message is sent automatically; do not reply.
