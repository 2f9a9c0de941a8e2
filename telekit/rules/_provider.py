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
#: Behavioral-health practitioners whose benefit excludes medical E/M services.
BEHAVIORAL = ("PSYCHOLOGIST", "LCSW", "MFT", "MHC")
#: Psychiatric codes that include a medical E/M: 90792 (diagnostic evaluation with medical
#: services) and the psychotherapy add-ons 90833/90836/90838 (reported with an E/M).
EM_INCLUDING_PSYCHIATRY = ("90792", "90833", "90836", "90838")

_PSYCHOTHERAPY = "psychotherapy 90832, 90834 or 90837 (by time), diagnostic evaluation 90791"
#: What each of them bills instead (their own code families; never an E/M-including code).
_BILL_INSTEAD = {
    "PSYCHOLOGIST": f"{_PSYCHOTHERAPY}, or health behavior codes 96156-96171",
    "LCSW": _PSYCHOTHERAPY,
    "MFT": f"{_PSYCHOTHERAPY}, or family psychotherapy 90846/90847",
    "MHC": _PSYCHOTHERAPY,
    "RD": "medical nutrition therapy 97802-97804 (G0270)",
    "PT": "physical therapy evaluation 97161-97163 or therapeutic procedures (97110, 97112, 97116)",
    "OT": "occupational therapy evaluation 97165-97167 or therapeutic procedures (97110, 97535)",
    "SLP": "speech-language evaluation/treatment codes (92507, 92521-92524)",
    "AUDIOLOGIST": "the audiology diagnostic codes of the service performed",
}

#: DESIGN §5 PR002: MFTs and MHCs became Medicare practitioners on 2024-01-01 (CAA 2023).
MFT_MHC = ("MFT", "MHC")
MFT_MHC_START = dt.date(2024, 1, 1)
#: Therapists who are distant-site practitioners only while the flexibilities last.
THERAPISTS = ("PT", "OT", "SLP", "AUDIOLOGIST")


def _pr001_em_including() -> pl.Expr:
    return pl.col(c.HCPCS_CODE).is_in(EM_INCLUDING_PSYCHIATRY) & v.prov_type.is_in(BEHAVIORAL)


def _pr001_message() -> pl.Expr:
    return (
        pl.when(_pr001_em_including())
        .then(
            pl.format(
                "{} includes a medical E/M service and was billed by NPI {}, whose roster "
                "provider_type is {}; expected a physician or NPP (MD, DO, NP, PA, CNM, CNS)",
                pl.col(c.HCPCS_CODE),
                pl.col(c.RENDERING_NPI),
                v.prov_type,
            )
        )
        .otherwise(
            pl.format(
                "office E/M {} billed by NPI {}, whose roster provider_type is {}; expected a "
                "physician or NPP (MD, DO, NP, PA, CNM, CNS) for E/M",
                pl.col(c.HCPCS_CODE),
                pl.col(c.RENDERING_NPI),
                v.prov_type,
            )
        )
    )


def _pr001_fix() -> pl.Expr:
    instead = v.prov_type.replace_strict(
        _BILL_INSTEAD, default="the discipline's own codes", return_dtype=pl.String
    )
    return pl.format(
        "as {}, bill {} as documented; or the physician or NPP who furnished the E/M bills it",
        v.prov_type,
        instead,
    )


@rule(
    code="PR001",
    severity="error",
    message=_pr001_message,
    fix=_pr001_fix,
    tables=(PROVIDERS,),
)
def provider_type_cannot_bill_em() -> pl.Expr:
    """E/M service billed by a practitioner whose type cannot report E/M services.

    What it checks: (1) an office E/M line (99202-99205, 99212-99215; from 2025-01-01 also
    98000-98015) whose rendering NPI the provider roster lists with provider_type
    PSYCHOLOGIST, LCSW, MFT, MHC, RD, PT, OT, SLP or AUDIOLOGIST; (2) 90792 (psychiatric
    diagnostic evaluation with medical services) or the psychotherapy add-ons 90833, 90836,
    90838 (psychotherapy with an E/M) billed by a PSYCHOLOGIST, LCSW, MFT or MHC. Any payer,
    telehealth or not; a rendering NPI the roster does not list gets no finding.

    Why: E/M services are reported by physicians and the non-physician practitioners whose
    scope includes medical evaluation and management (NP, PA, CNM, CNS). Medicare's benefits
    for clinical psychologists, clinical social workers, marriage and family therapists and
    mental health counselors cover diagnosis and treatment of mental illness, not medical
    services, so they bill 90791 and psychotherapy 90832/90834/90837, never the codes that
    include an E/M; dietitians and therapists report their own services (medical nutrition
    therapy, therapy evaluations). CPT draws the same line for online digital E/M
    (99421-99423 for those who can report E/M, 98970-98972 for the others).

    Sources: 42 CFR 410.71 (clinical psychologist services),
    https://www.ecfr.gov/current/title-42/chapter-IV/subchapter-B/part-410/subpart-B/section-410.71
    42 CFR 410.73 (clinical social worker services),
    https://www.ecfr.gov/current/title-42/chapter-IV/subchapter-B/part-410/subpart-B/section-410.73
    42 CFR 410.53 and 410.54 (MFT and MHC services, from 2024),
    https://www.ecfr.gov/current/title-42/chapter-IV/subchapter-B/part-410/subpart-B/section-410.53
    Medicare Benefit Policy Manual (Pub. 100-02), ch. 15 §160 and §170,
    https://www.cms.gov/regulations-and-guidance/guidance/manuals/downloads/bp102c15.pdf
    CodingIntel, "Online digital E/M 99421-99423",
    https://codingintel.com/cpt-codes-online-digital-evaluation-and-management-services/

    Example: 99213 on 2024-03-15 by an NPI listed as an LCSW → error; 90833 with 99213 by a
    psychologist → error on each; 90834 by the LCSW → no finding.

    Instead: the practitioner's own codes (psychotherapy 90832/90834/90837 by time for a
    psychologist, LCSW, MFT or MHC; MNT 97802-97804 for an RD), or the physician or NPP who
    furnished the E/M bills it.
    """
    return (v.is_office_em & v.prov_type.is_in(CANNOT_BILL_EM)) | _pr001_em_including()


def _pr002_clauses() -> tuple[pl.Expr, pl.Expr]:
    mft_mhc = v.is_medicare & v.prov_type.is_in(MFT_MHC) & (pl.col(DOS) < MFT_MHC_START)
    therapist = (
        v.is_medicare & v.telehealth_line & v.prov_type.is_in(THERAPISTS) & ~in_flexibility_window()
    )
    return mft_mhc, therapist


#: DESIGN §5 PR002, word for word.
PR002_MFT_MHC_MESSAGE = (
    "MFTs and MHCs were not Medicare practitioners before 2024-01-01: not billable to Medicare "
    "under this NPI"
)
PR002_MFT_MHC_FIX = (
    "refund if paid; bill under a supervising practitioner only where incident-to conditions "
    "were met, never by re-billing under another NPI"
)


def _pr002_message() -> pl.Expr:
    mft_mhc, _ = _pr002_clauses()
    return (
        pl.when(mft_mhc)
        .then(pl.lit(PR002_MFT_MHC_MESSAGE))
        .otherwise(
            pl.format(
                "Medicare telehealth {} on {} by a {}, outside the telehealth flexibility windows "
                "({}): therapists and audiologists are distant-site practitioners only while the "
                "flexibilities last; not billable to Medicare as telehealth",
                pl.col(c.HCPCS_CODE),
                pl.col(DOS).cast(pl.String),
                v.prov_type,
                pl.lit(flexibilities().describe_windows()),
            )
        )
    )


def _pr002_fix() -> pl.Expr:
    mft_mhc, _ = _pr002_clauses()
    return (
        pl.when(mft_mhc)
        .then(pl.lit(PR002_MFT_MHC_FIX))
        .otherwise(
            pl.lit(
                "refund if paid; not re-billable as telehealth, and an in-person service is "
                "billed only where one was furnished; the patient may be billed only under an "
                "ABN signed before the service (modifier GA)"
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

    What it checks: (1) a Medicare (payer_type medicare) line, telehealth or not, whose
    rendering NPI the roster lists as an MFT or MHC, DOS before 2024-01-01; (2) a Medicare
    telehealth line whose rendering NPI is a PT, OT, SLP or AUDIOLOGIST, DOS outside the
    Medicare telehealth flexibility windows (built-in: 2020-03-06 to 2027-12-31). Skipped
    without a roster; a rendering NPI the roster does not list gets no finding.

    Why: marriage and family therapists and mental health counselors became Medicare
    practitioners, and distant-site telehealth practitioners, only on 2024-01-01 (Consolidated
    Appropriations Act, 2023, §4121); before then Medicare could not pay them under their own
    NPI, and moving the service to another practitioner's NPI is allowed only where the
    incident-to conditions (42 CFR 410.26: direct supervision, an established plan of care)
    were met. Physical and occupational therapists, speech-language pathologists and
    audiologists are not distant-site practitioners under SSA §1834(m) and 42 CFR 410.78(b)(2);
    they may furnish telehealth only under the temporary flexibilities, extended through
    2027-12-31.

    Sources: Consolidated Appropriations Act, 2023 (Pub. L. 117-328), §4121,
    https://www.congress.gov/bill/117th-congress/house-bill/2617 ; 42 CFR 410.53 (MFT
    services), https://www.ecfr.gov/current/title-42/chapter-IV/subchapter-B/part-410/subpart-B/section-410.53
    42 CFR 410.54 (MHC services),
    https://www.ecfr.gov/current/title-42/chapter-IV/subchapter-B/part-410/subpart-B/section-410.54
    42 CFR 410.26 (incident-to services),
    https://www.ecfr.gov/current/title-42/chapter-IV/subchapter-B/part-410/subpart-B/section-410.26
    42 CFR 410.78,
    https://www.ecfr.gov/current/title-42/chapter-IV/subchapter-B/part-410/subpart-B/section-410.78
    MLN fact sheet "Telehealth Services" (MLN901705),
    https://www.cms.gov/files/document/mln901705-telehealth-services.pdf ; McGuireWoods,
    "Understanding Congress' latest extension of Medicare telehealth flexibilities" (2026),
    https://www.mcguirewoods.com/client-resources/alerts/2026/2/understanding-congress-latest-extension-of-medicare-telehealth-flexibilities

    Example: 90834 on 2023-12-31 by an MFT to Medicare → error; on 2024-01-01 → no finding;
    97110 with POS 02 on 2020-03-05 by a PT to Medicare → error (the day before the windows).

    Instead: for an MFT or MHC before 2024, refund what was paid; bill under a supervising
    practitioner only where incident-to conditions were met, never by re-billing under
    another NPI. For a therapist's telehealth outside the windows, refund what was paid;
    nothing is re-billable as telehealth.
    """
    mft_mhc, therapist = _pr002_clauses()
    return mft_mhc | therapist
