"""Cash collection (回款): invoices, payments, allocation, write-offs, aging, DSO.

Not named ``collections``: the standard library owns that name.
"""
