# Citizen space and connection e-mails.

space-title = Mon espace Relais
space-lead = Retrouvez chaque connexion faite avec Relais et chaque échange de données fait en votre nom depuis six mois, et choisissez les comptes qui peuvent vous connecter.
space-login = Se connecter à mon espace
space-logout = Se déconnecter de mon espace
space-welcome-why = Pour protéger votre historique, connectez-vous avec l'un de vos comptes habituels.
space-history-title = Historique de mes connexions et de mes données
space-history-empty = Aucune connexion ni échange de données sur cette période.
space-history-retention = L'historique couvre les six derniers mois ; les entrées plus anciennes sont supprimées.
space-filter-label = Service
space-filter-all = Tous les services
space-filter-submit = Filtrer
space-page-newer = Entrées plus récentes
space-page-older = Entrées plus anciennes
space-entry-connection = Le { $when }, vous vous êtes connecté(e) à { $service } avec { $idp } (niveau { $level }). Informations transmises : { $shared }.
space-entry-connection-anonymous = Le { $when }, vous vous êtes connecté(e) à { $service } avec { $idp } (niveau { $level }), sans transmettre de données personnelles.
space-entry-data = Le { $when }, { $dp } a transmis à { $service } : { $shared }.
space-choices-title = Mes comptes de connexion
space-choices-lead = Décochez un compte pour le bloquer : il ne pourra plus vous connecter, y compris sur une session déjà ouverte.
space-choices-in-use = compte utilisé pour cette connexion, il ne peut pas être bloqué
space-choices-future = Bloquer les comptes de connexion qui seront ajoutés à l'avenir
space-choices-save = Enregistrer mes choix
space-choices-saved = Vos choix sont enregistrés.
space-export-title = Exporter mes données
space-export-lead = Téléchargez votre historique et les identifiants pseudonymes transmis à chaque organisation (droit d'accès, RGPD).
space-export-json = Télécharger au format JSON
space-export-csv = Télécharger au format CSV

mail-connection-subject = Connexion à { $service } avec Relais
mail-connection-body =
    Bonjour,

    Vous vous êtes connecté(e) à { $service } le { $when } avec { $idp }.

    Si vous êtes à l'origine de cette connexion, vous n'avez rien à faire.
    Sinon, changez le mot de passe de votre compte { $idp } et bloquez ce compte dans votre espace Relais :
    { $space }

    Votre espace montre aussi l'historique de vos connexions et des données transmises en votre nom.

    — Relais, fédération d'identité. Ce message est envoyé automatiquement, n'y répondez pas.
