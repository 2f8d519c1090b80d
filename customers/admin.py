from django.contrib import admin

from customers.models import Account, Contact


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "title", "phone", "email", "owner"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "industry", "size", "region", "city", "owner", "created_at"]
    list_filter = ["region", "size"]
    search_fields = ["name", "city", "industry"]
    autocomplete_fields = ["owner"]
    inlines = [ContactInline]

    # Business records change through services (with their checks and audit); the admin only reads them.
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
