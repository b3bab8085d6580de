# Citizen space and connection e-mails.
