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
republic-line1 = République
republic-line2 = française
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

legal-a11y-title = Déclaration d'accessibilité
legal-a11y-1 = { $operator } s'engage à rendre ses pages accessibles conformément à l'article 47 de la loi n° 2005-102 du 11 février 2005. Cette déclaration s'applique aux pages de connexion (choix du compte, information et consentement, erreurs, déconnexion) et à l'espace personnel.
legal-a11y-2 = État de conformité : partiellement conforme au référentiel général d'amélioration de l'accessibilité (RGAA 4.1), faute d'audit manuel complet.
legal-a11y-3 = Mesures faites à chaque version : chaque page est contrôlée dans un navigateur réel par axe-core (règles WCAG 2.1 A et AA), en français et en anglais, sur ordinateur et à 320 pixels de large, sans aucune erreur ; absence de défilement horizontal à 320 pixels (RGAA 10.11) ; parcours complet au clavier ; pages utilisables sans JavaScript.
legal-a11y-4 = Si vous ne pouvez pas accéder à un contenu ou à un service, écrivez à { $contact } pour être orienté vers une alternative accessible. Si vous n'obtenez pas de réponse satisfaisante, vous pouvez saisir le Défenseur des droits.
legal-notices-title = Mentions légales
legal-notices-1 = Ce service de connexion est édité par { $operator }. Contact : { $contact }.
legal-notices-2 = Il est fourni par le logiciel libre Relais, une fédération d'identité compatible avec FranceConnect.
legal-notices-3 = Vos identifiants ne sont jamais transmis aux services : seule l'identité vérifiée par votre compte de connexion leur est transmise, après information et, selon le service, votre consentement.
legal-data-title = Données personnelles
legal-data-1 = { $operator } traite votre identité (nom, prénoms, date et lieu de naissance, sexe, adresse électronique) pour vous connecter aux services en ligne que vous choisissez, et la vérifie auprès du registre d'état civil.
legal-data-2 = Chaque connexion et chaque échange de données fait en votre nom est consigné, sans les valeurs transmises. Vous en voyez l'historique des six derniers mois dans votre espace ; l'exploitant les conserve pour une durée limitée (400 jours par défaut), puis les supprime.
legal-data-3 = Un compte inutilisé depuis trois ans est supprimé.
legal-data-4 = Dans votre espace, vous pouvez télécharger votre historique et les identifiants pseudonymes transmis à chaque organisation (droit d'accès), et bloquer un compte de connexion.
legal-data-5 = Pour exercer vos autres droits (rectification, effacement, opposition), écrivez à { $contact }. Vous pouvez adresser une réclamation à la CNIL.
colon = {"\u00A0"}:
