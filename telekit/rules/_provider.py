"""Provider rules (PR001–PR002): may this kind of practitioner bill this service, or bill
Medicare telehealth at all, on the date of service. Both read the provider roster's
provider_type and are skipped without a roster; a rendering NPI the roster does not list gets no
finding.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from telekit._core import _columns as c
from telekit._engine import _vocabulary as v
from telekit._engine._registry import rule
from telekit.rules._eligibility import flexibilities, in_flexibility_window

DOS = c.CLAIM_LINE_START_DATE
PROVIDERS = "providers"

#: DESIGN §5 PR001: provider types that cannot report E/M services.
CANNOT_BILL_EM = ("PSYCHOLOGIST", "LCSW", "MFT", "MHC", "RD", "PT", "OT", "SLP", "AUDIOLOGIST")

#: What each of them bills instead (their own code families; ref §1 list families).
_BILL_INSTEAD = {
    "PSYCHOLOGIST": "psychiatric diagnostic evaluation 90791, psychotherapy 90832–90838 or "
    "health behavior codes 96156–96171",
    "LCSW": "psychiatric diagnostic evaluation 90791 or psychotherapy 90832–90838",
    "MFT": "psychiatric diagnostic evaluation 90791, psychotherapy 90832–90838 or family "
    "psychotherapy 90846/90847",
    "MHC": "psychiatric diagnostic evaluation 90791 or psychotherapy 90832–90838",
    "RD": "medical nutrition therapy 97802–97804 (G0270)",
    "PT": "physical therapy evaluation 97161–97163 or therapeutic procedures (97110, 97112, 97116)",
    "OT": "occupational therapy evaluation 97165–97167 or therapeutic procedures (97110, 97535)",
    "SLP": "speech-language evaluation/treatment codes (92507, 92521–92524)",
    "AUDIOLOGIST": "the audiology diagnostic codes of the service performed",
}

#: DESIGN §5 PR002: MFTs and MHCs became Medicare practitioners on 2024-01-01 (CAA 2023).
MFT_MHC = ("MFT", "MHC")
MFT_MHC_START = dt.date(2024, 1, 1)
#: Therapists who are distant-site practitioners only while the flexibilities last.
THERAPISTS = ("PT", "OT", "SLP", "AUDIOLOGIST")


def _pr001_fix() -> pl.Expr:
    instead = v.prov_type.replace_strict(
        _BILL_INSTEAD, default="the discipline's own codes", return_dtype=pl.String
    )
    return pl.format(
        "as {}, bill {}; or have the physician or NPP who furnished the visit bill the E/M",
        v.prov_type,
        instead,
    )


@rule(
    code="PR001",
    severity="error",
    message=(
        "office E/M {hcpcs_code} billed by NPI {rendering_npi}, whose roster provider_type is "
        "{prov_type}; expected a physician or NPP (MD, DO, NP, PA, CNM, CNS) for E/M"
    ),
    fix=_pr001_fix,
    tables=(PROVIDERS,),
)
def provider_type_cannot_bill_em() -> pl.Expr:
    """Office E/M billed by a practitioner whose type cannot report E/M services.

    What it checks: an office E/M line (99202–99205, 99212–99215; from 2025-01-01 also
    98000–98015) whose rendering NPI the provider roster lists with provider_type PSYCHOLOGIST,
    LCSW, MFT, MHC, RD, PT, OT, SLP or AUDIOLOGIST. Any payer, telehealth or not.

    Why: E/M services are reported by physicians and the non-physician practitioners whose scope
    includes medical evaluation and management (NP, PA, CNM, CNS); psychologists, social workers,
    counselors, dietitians and therapists report their own services (psychotherapy, MNT, therapy
    evaluations). The online digital E/M family draws the same line: 99421–99423 for those who
    can report E/M, 98970–98972 for the others (reference §2.3, [S22], [S23]; distant-site
    practitioner list §5, [S47]).

    Example: 99213 on 2024-03-15 by NPI 1234567893, listed as an LCSW — flagged.

    Fix: bill the practitioner's own codes (e.g. psychotherapy 90832–90838 for an LCSW, MNT
    97802–97804 for an RD), or have the physician or NPP who furnished the visit bill it.

    References: DESIGN §5 PR001; telehealth-billing-rules.md §2.3, §5.
    """
    return v.is_office_em & v.prov_type.is_in(CANNOT_BILL_EM)


def _pr002_clauses() -> tuple[pl.Expr, pl.Expr]:
    mft_mhc = v.is_medicare & v.prov_type.is_in(MFT_MHC) & (pl.col(DOS) < MFT_MHC_START)
    therapist = (
        v.is_medicare & v.telehealth_line & v.prov_type.is_in(THERAPISTS) & ~in_flexibility_window()
    )
    return mft_mhc, therapist


def _pr002_message() -> pl.Expr:
    mft_mhc, _ = _pr002_clauses()
    return (
        pl.when(mft_mhc)
        .then(
            pl.format(
                "Medicare {} on {} by NPI {} (provider_type {}): MFTs and MHCs bill Medicare "
                "only from {}; expected a Medicare practitioner",
                pl.col(c.HCPCS_CODE),
                pl.col(DOS).cast(pl.String),
                pl.col(c.RENDERING_NPI),
                v.prov_type,
                pl.lit(str(MFT_MHC_START)),
            )
        )
        .otherwise(
            pl.format(
                "Medicare telehealth {} on {} by NPI {} (provider_type {}), outside the telehealth "
                "flexibility windows ({}); expected a DOS inside them (therapists and "
                "audiologists are distant-site practitioners only while the flexibilities last)",
                pl.col(c.HCPCS_CODE),
                pl.col(DOS).cast(pl.String),
                pl.col(c.RENDERING_NPI),
                v.prov_type,
                pl.lit(flexibilities().describe_windows()),
            )
        )
    )


def _pr002_fix() -> pl.Expr:
    mft_mhc, _ = _pr002_clauses()
    return (
        pl.when(mft_mhc)
        .then(
            pl.lit(
                "bill under a practitioner Medicare recognised on the DOS (clinical psychologist, "
                "clinical social worker), or bill the patient"
            )
        )
        .otherwise(
            pl.lit(
                "furnish the service in person (bill without telehealth POS/modifiers), or bill "
                "the patient after an ABN"
            )
        )
    )


@rule(
    code="PR002",
    severity="error",
    message=_pr002_message,
    fix=_pr002_fix,
    tables=(PROVIDERS,),
)
def distant_site_practitioner_not_eligible() -> pl.Expr:
    """Medicare line by a practitioner Medicare does not recognise for it on the DOS.

    What it checks: (1) a Medicare (payer_type medicare) line — telehealth or not — whose
    rendering NPI the roster lists as an MFT or MHC, DOS before 2024-01-01; (2) a Medicare
    telehealth line whose rendering NPI is a PT, OT, SLP or AUDIOLOGIST, DOS outside the
    Medicare telehealth flexibility windows (built-in: 2020-03-06 to 2027-12-31).

    Why: marriage and family therapists and mental health counselors became Medicare
    practitioners (and distant-site telehealth practitioners) only on 2024-01-01 (CAA 2023);
    physical and occupational therapists, speech-language pathologists and audiologists are
    distant-site practitioners only under the temporary flexibilities, extended through
    2027-12-31 (reference §5 "What the temporary flexibilities cover" and "Permanent rules",
    [S38], [S39], [S47]; the CMS 7 Nov 2025 instruction excluded PT/OT/SLP/audiology [S78]).

    Example: 97110 with POS 02 on 2020-03-05 by a PT, billed to Medicare —
    flagged (the day before the windows); 90834 on 2023-12-31 by an MFT to Medicare — flagged.

    Fix: bill under a practitioner Medicare recognised on the DOS, furnish the service in
    person, or bill the patient after an ABN.

    References: DESIGN §5 PR002; telehealth-billing-rules.md §5.
    """
    mft_mhc, therapist = _pr002_clauses()
    return mft_mhc | therapist
