"""Cash collection: invoices, payments and their allocation, write-offs, aging and DSO (回款; not named `collections`, which the standard library owns)."""
