"""The knowledge programme: a programme's rules, registrations, selection for spread, theme
meetings and fees (issue 16). Pure functions on dataclasses (:mod:`.model`); the database is
read only in :mod:`.database`, programmes are kept in the content store by :mod:`.contentstore`
(behind the :class:`ProgrammeStore` interface of :mod:`.files`, whose JSON-file store remains
as the source of ``programma importeer-map``).

May import :mod:`~wijkanalyse.monitor` (trend classes), :mod:`~wijkanalyse.gebieden`,
:mod:`~wijkanalyse.content` and the kernel; the CLI imports it.
"""

from wijkanalyse.programma.contentstore import (
    ContentProgrammeStore,
    ImportedProgramme,
    import_folder,
)
from wijkanalyse.programma.explain import Decision, SelectionResult, select_for_spread, spread_table
from wijkanalyse.programma.files import (
    ENV_VAR,
    FileStore,
    ProgrammeStore,
    default_folder,
    new_programme,
    read_definition,
)
from wijkanalyse.programma.generate import THEMES, generate_registrations
from wijkanalyse.programma.invoices import INVOICE_COLUMNS, invoices, mark_paid, write_invoices
from wijkanalyse.programma.meetings import (
    add_outcome,
    attendance_rows,
    candidate_themes,
    default_attendance,
    meeting_dates,
    meetings_ics,
    plan_meetings,
    rank_themes,
    read_rankings,
    set_attendance,
    theme_order,
)
from wijkanalyse.programma.model import (
    Attendance,
    FeeRules,
    Meeting,
    MoneyFlow,
    Outcome,
    Participant,
    Party,
    Programme,
    Registration,
    RejectedRow,
    SelectionRecord,
    is_partner,
    programme_from_dict,
    programme_to_dict,
)
from wijkanalyse.programma.partners import (
    KINDS,
    ROLES,
    PartnerOverview,
    add_money,
    add_party,
    overview,
)
from wijkanalyse.programma.registration import (
    COLUMNS,
    ImportResult,
    Resolution,
    Resolver,
    import_registrations,
    read_rows,
    register,
)
from wijkanalyse.programma.selection import brute_force, load_selection_config, score, solve
from wijkanalyse.programma.wijkprofiel import SECTION_KEY, profile_section, wijk_part

__all__ = [
    "COLUMNS", "ENV_VAR", "SECTION_KEY", "profile_section", "wijk_part",
    "KINDS", "ROLES", "MoneyFlow", "PartnerOverview", "Party",
    "add_money", "add_party", "overview", "INVOICE_COLUMNS", "THEMES", "Attendance",
    "Decision", "FeeRules",
    "FileStore", "ImportResult", "Meeting", "Outcome", "Participant", "Programme",
    "ProgrammeStore", "Registration", "RejectedRow", "Resolution", "Resolver",
    "SelectionRecord", "SelectionResult", "add_outcome", "attendance_rows", "brute_force",
    "default_attendance", "default_folder", "generate_registrations", "import_registrations",
    "invoices", "is_partner", "load_selection_config", "mark_paid", "meeting_dates",
    "meetings_ics", "new_programme", "plan_meetings", "programme_from_dict",
    "programme_to_dict", "rank_themes", "read_definition", "read_rankings", "read_rows",
    "register", "score", "ContentProgrammeStore", "ImportedProgramme", "import_folder",
    "select_for_spread", "set_attendance", "solve", "spread_table", "write_invoices",
    "candidate_themes", "theme_order",
]
