# Pages of the login journey (chooser, consent, errors, logout), in English.

lang-name = English
lang-switch-label = Language
date-long = { $day } { $month } { $year }
date-time = { $date } at { $time }
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December

skip = Skip to content
tagline = Secure login to public services
footer = Relais — identity federation. Your credentials are never sent to the service.
republic-line1 = République
republic-line2 = française
footer-accessibility = Accessibility: partially compliant
footer-legal = Legal notices
footer-personal-data = Personal data
footer-citizen-space = My space

chooser-title = Choose an account to log in
chooser-lead = Log in with an account you already have to access
banner-prefix = Login did not succeed with
banner-suffix = Try again or choose another account.
connect-with = Log in with
back-to-service = Back to
back-to-service-plain = Back to the service
back-to-chooser = Choose another account
back-home = Back to the home page
reason-inactive = This account is temporarily unavailable.
reason-excluded = This service does not accept this account.
reason-level = This account does not offer the security level this service needs.

consent-title = Information shared with the service
consent-lead = The following information will be shared with
anonymous-lead = No personal data will be shared. You will be logged in anonymously to
data-title = Data requested from other administrations
via = This information comes from your account
consent-checkbox = I agree to share this information with
consent-missing = Tick the box to agree to share your information.
continue-to = Continue to
consent-refuse = This is not me, or I refuse: go back to the service without logging in

error-title = An error occurred
error-code = Error code:
error-occurrence = Reference to give to support:
not-found-title = Page not found

logged-out-title = You are logged out
logged-out-text = Your Relais session has ended. You may close this page.

claim-given_name = Given name(s)
claim-family_name = Birth name
claim-birthdate = Date of birth
claim-gender = Sex
claim-birthplace = Place of birth
claim-birthcountry = Country of birth
claim-email = Email address
claim-preferred_username = Usage name
claim-idp_birthdate = Date of birth (as provided)
gender-male = Male
gender-female = Female
gender-unspecified = Unspecified
born-abroad = Born abroad

scope-cnaf_quotient_familial = Family quotient
scope-dgfip_rfr = Reference tax income
scope-dgfip_nbpart = Number of tax shares
scope-francetravail_statut = Job-seeker status
scope-mesri_statut_etudiant = Student status
scope-cnous_statut_boursier = Grant-holder status

legal-a11y-title = Accessibility statement
legal-a11y-1 = { $operator } is committed to making its pages accessible, in line with article 47 of French law no. 2005-102 of 11 February 2005. This statement covers the login pages (account choice, information and consent, errors, logout) and the personal space.
legal-a11y-2 = Compliance status: partially compliant with the French accessibility framework (RGAA 4.1), as no complete manual audit has been carried out.
legal-a11y-3 = Measured at every release: each page is checked in a real browser by axe-core (WCAG 2.1 A and AA rules), in French and English, on a desktop and at 320 pixels wide, with no error; no horizontal scrolling at 320 pixels (RGAA 10.11); the whole journey with the keyboard only; pages usable without JavaScript.
legal-a11y-4 = If you cannot reach some content or service, write to { $contact } to be offered an accessible alternative. Without a satisfactory answer, you may refer the matter to the Défenseur des droits.
legal-notices-title = Legal notices
legal-notices-1 = This login service is published by { $operator }. Contact: { $contact }.
legal-notices-2 = It runs the free software Relais, an identity federation compatible with FranceConnect.
legal-notices-3 = Your credentials are never sent to the services: only the identity your login account verified is sent to them, after you are informed and, depending on the service, after your consent.
legal-data-title = Personal data
legal-data-1 = { $operator } processes your identity (names, date and place of birth, sex, e-mail address) to log you in to the online services you choose, and checks it against the civil register.
legal-data-2 = Each login and each data exchange made in your name is recorded, without the values shared. Your space shows the history of the last six months; the operator keeps it for a limited time (400 days by default), then deletes it.
legal-data-3 = An account unused for three years is deleted.
legal-data-4 = In your space, you can download your history and the pseudonymous identifiers sent to each organisation (right of access), and block a login account.
legal-data-5 = To exercise your other rights (rectification, erasure, objection), write to { $contact }. You may lodge a complaint with the CNIL.
colon = :
