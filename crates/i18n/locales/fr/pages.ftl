# Pages of the login journey (chooser, consent, errors, logout), in French.

lang-name = Français
lang-switch-label = Langue
date-long = { $day ->
    [1] 1er
   *[other] { $day }
  } { $month } { $year }
date-time = { $date } à { $time }
month-1 = janvier
month-2 = février
month-3 = mars
month-4 = avril
month-5 = mai
month-6 = juin
month-7 = juillet
month-8 = août
month-9 = septembre
month-10 = octobre
month-11 = novembre
month-12 = décembre

skip = Aller au contenu
tagline = Connexion sécurisée aux services publics
footer = Relais — fédération d'identité. Vos identifiants ne sont jamais transmis au service.
republic = République française
footer-accessibility = Accessibilité : partiellement conforme
footer-legal = Mentions légales
footer-personal-data = Données personnelles
footer-citizen-space = Mon espace

chooser-title = Choisissez un compte pour vous connecter
chooser-lead = Connectez-vous avec un compte que vous possédez déjà pour accéder à
banner-prefix = La connexion n'a pas abouti avec
banner-suffix = Réessayez ou choisissez un autre compte.
connect-with = Se connecter avec
back-to-service = Revenir sur
back-to-service-plain = Revenir sur le service
back-to-chooser = Choisir un autre compte
back-home = Revenir à l'accueil
reason-inactive = Ce compte est momentanément indisponible.
reason-excluded = Ce service n'accepte pas ce compte.
reason-level = Ce compte n'offre pas un niveau de sécurité suffisant pour ce service.

consent-title = Informations transmises au service
consent-lead = Les informations suivantes vont être transmises à
anonymous-lead = Aucune donnée personnelle ne sera transmise. Vous allez être connecté de façon anonyme à
data-title = Données demandées à d'autres administrations
via = Ces informations proviennent de votre compte
consent-checkbox = J'accepte que ces informations soient transmises à
consent-missing = Cochez la case pour accepter la transmission de vos informations.
continue-to = Continuer sur
consent-refuse = Ce n'est pas moi, ou je refuse : revenir sur le service sans me connecter

error-title = Une erreur est survenue
error-code = Code d'erreur :
error-occurrence = Identifiant à communiquer au support :
not-found-title = Page introuvable

logged-out-title = Vous êtes déconnecté
logged-out-text = Votre session Relais est terminée. Vous pouvez fermer cette page.

claim-given_name = Prénom(s)
claim-family_name = Nom de naissance
claim-birthdate = Date de naissance
claim-gender = Sexe
claim-birthplace = Lieu de naissance
claim-birthcountry = Pays de naissance
claim-email = Adresse électronique
claim-preferred_username = Nom d'usage
claim-idp_birthdate = Date de naissance (telle que fournie)
gender-male = Masculin
gender-female = Féminin
gender-unspecified = Non spécifié
born-abroad = Né(e) à l'étranger

scope-cnaf_quotient_familial = Quotient familial
scope-dgfip_rfr = Revenu fiscal de référence
scope-dgfip_nbpart = Nombre de parts fiscales
scope-francetravail_statut = Statut de demandeur d'emploi
scope-mesri_statut_etudiant = Statut étudiant
scope-cnous_statut_boursier = Statut boursier
