# Billing import, service groups, credit lines and credit notes arrive with issue 4.
