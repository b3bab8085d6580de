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
republic = French Republic
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
