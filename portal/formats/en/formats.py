"""English pages write dates as Vietnam does (dd/mm/yyyy): the same formats as Vietnamese pages."""

from portal.formats.vi.formats import *  # noqa: F403
