"""Django REST framework's own messages that callers of our API meet, listed here so that they
enter the portal's Vietnamese catalogue (DRF ships an almost empty one). Never imported: only
`make messages` reads this file."""

from django.utils.translation import gettext_noop as _

MESSAGES = [
    _("This field is required."),
    _("This field may not be null."),
    _("This field may not be blank."),
    _('"{input}" is not a valid choice.'),
    _("A valid integer is required."),
    _("Must be a valid boolean."),
    _("Not a valid string."),
    _("This value does not match the required pattern."),
    _("Ensure this value is less than or equal to {max_value}."),
    _("Ensure this value is greater than or equal to {min_value}."),
    _("Ensure this field has at least {min_length} characters."),
    _("Ensure this field has no more than {max_length} characters."),
    _("Ensure this field has at least {min_length} elements."),
    _("Ensure this field has no more than {max_length} elements."),
    _('Expected a list of items but got type "{input_type}".'),
    _('Expected a dictionary of items but got type "{input_type}".'),
    _("Invalid data. Expected a dictionary, but got {datatype}."),
    _("This list may not be empty."),
    _("Date has wrong format. Use one of these formats instead: {format}."),
    _("Datetime has wrong format. Use one of these formats instead: {format}."),
    _("Expected a date but got a datetime."),
    _("No file was submitted."),
    _("The submitted file is empty."),
    _("The submitted data was not a file. Check the encoding type on the form."),
    _("Authentication credentials were not provided."),
    _("Invalid token."),
    _("Unable to log in with provided credentials."),
    _("You do not have permission to perform this action."),
    _("Not found."),
    _("Malformed request."),
    _('Method "{method}" not allowed.'),
    _("Request was throttled."),
    _('Unsupported media type "{media_type}" in request.'),
]
