"""Admin helpers for any model: hostile changelist parameters and ids get a list or a form
error, never a 500."""

from django import forms
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db import connections
from django.http import QueryDict


class SafeChangeList(ChangeList):
    """A date hierarchy of year 9999 (its next day) or 10**20 overflows Python's datetime, an
    error Django does not catch: answer it as any other bad filter (the list with "?e=1")."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except OverflowError as exc:
            raise IncorrectLookupParameters(exc) from exc


class SafeSearchMixin:
    """Hostile changelist addresses get the list (or Django's "?e=1" for a bad filter), never a
    500: PostgreSQL text cannot hold a NUL character, so it is stripped from every search,
    filter and ordering parameter (a field lookup such as ``?headline__contains=`` reaches the
    database), and out-of-range dates are bad filters."""

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.replace("\x00", ""))

    def get_changelist(self, request, **kwargs):
        return SafeChangeList

    def changelist_view(self, request, extra_context=None):
        if any("\x00" in k or "\x00" in "".join(v) for k, v in request.GET.lists()):
            params = QueryDict(mutable=True)
            for key, values in request.GET.lists():
                params.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in values])
            params._mutable = False
            request.GET = params
        return super().changelist_view(request, extra_context)


def storable_key(field, value, using=None) -> bool:
    """Can ``value`` be looked up in ``field`` (a primary key)? "abc" and "1.5" cannot, nor,
    on SQLite, a number past 64 bits (its driver raises OverflowError, a 500)."""
    try:
        prepared = field.get_prep_value(value)
    except (TypeError, ValueError, ValidationError):
        return False
    if isinstance(prepared, int):
        low, high = connections[using or "default"].ops.integer_field_range(
            field.get_internal_type()
        )
        return (low is None or prepared >= low) and (high is None or prepared <= high)
    return True


class SafeAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget looks the submitted id up to show it again; an id that is
    not a number ("abc", "1.5") made that lookup raise a 500 when the form is shown with its
    errors. Such a value is already an "invalid choice" error on the field: show it empty."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        to_field = remote.model._meta.get_field(remote.field_name)
        kept = [v for v in value if storable_key(to_field, v, self.db)]
        return super().optgroups(name, kept, attr)


class CheckedMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A many-to-many choice that refuses ids no row can have before looking them up."""

    def _check_values(self, value):
        pk = self.queryset.model._meta.pk
        for v in value if isinstance(value, list | tuple) else []:
            if not storable_key(pk, v, self.queryset.db):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": v},
                )
        return super()._check_values(value)


class SafeAutocompleteMixin:
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
