"""Planters, PR: provider (PR001, PR002), and codes telekit does not know."""

from __future__ import annotations

from telekit.sample._case import Plant
from telekit.sample._planters._base import (
    FROM24,
    FROM25,
    MAIN,
    Y23,
    D,
    _by_type,
    planter,
)

# === PR: provider ==============================================================================


@planter("PR001")
def plant_pr001_non_physician_bills_em(p: Plant) -> None:
    """Office E/M by an LCSW (Cigna, in person), a psychologist (Medicare video 2024+), the PT
    (98005 to Aetna 2025+) and the RD (in person): PR001 on each."""
    c = p.visit(p.person("CIGNA"), "99213", dos=p.pick_date(*MAIN), npi=_by_type("LCSW"))
    p.expect(c, 1, "PR001")
    c = p.visit(
        p.person("MEDICARE"),
        "99214",
        dos=p.pick_date(*FROM24),
        npi=_by_type("PSYCHOLOGIST"),
        modality="audio_video",
    )
    p.expect(c, 1, "PR001")
    c = p.visit(
        p.person("AETNA"),
        "98005",
        dos=p.pick_date(*FROM25),
        npi=_by_type("PT"),
        modality="audio_video",
    )
    p.expect(c, 1, "PR001")
    c = p.visit(p.person("CIGNA"), "99212", dos=p.pick_date(*MAIN), npi=_by_type("RD"))
    p.expect(c, 1, "PR001")


@planter("PR001")
def plant_pr001_em_including_psychiatry(p: Plant) -> None:
    """Codes that include an E/M by behavioral-health practitioners, in person: 99213 + 90833
    by the LCSW (PR001 on both lines), 90792 by the psychologist, 99214 + 90836 by the MHC and
    99215 + 90838 by the MFT (PR001 on every line); 90834 by the LCSW no finding."""
    lcsw = _by_type("LCSW")
    c = p.visit(p.person("CIGNA"), ["99213", "90833"], dos=p.pick_date(*MAIN), npi=lcsw)
    p.expect(c, 1, "PR001")
    p.expect(c, 2, "PR001")
    c = p.visit(p.person("AETNA"), "90792", dos=p.pick_date(*MAIN), npi=_by_type("PSYCHOLOGIST"))
    p.expect(c, 1, "PR001")
    c = p.visit(
        p.person("CIGNA"), ["99214", "90836"], dos=p.pick_date(*FROM24), npi=_by_type("MHC")
    )
    p.expect(c, 1, "PR001")
    p.expect(c, 2, "PR001")
    c = p.visit(
        p.person("AETNA"), ["99215", "90838"], dos=p.pick_date(*FROM24), npi=_by_type("MFT")
    )
    p.expect(c, 1, "PR001")
    p.expect(c, 2, "PR001")
    p.visit(p.person("CIGNA"), "90834", dos=p.pick_date(*MAIN), npi=lcsw)


@planter("PR002")
def plant_pr002_mft_mhc_before_2024(p: Plant) -> None:
    """Medicare lines by an MFT or MHC before 2024: in person, by video (POS 11 + 95), an
    e-visit (any Medicare line, not only telehealth): PR002 on each; an MFT on 2023-12-31
    PR002 and on 2024-01-02 (another person) no finding."""
    mft, mhc = _by_type("MFT"), _by_type("MHC")
    c = p.visit(p.person("MEDICARE"), "90834", dos=p.pick_date(*Y23), npi=mft)
    p.expect(c, 1, "PR002")
    c = p.visit(
        p.person("MEDICARE"),
        "90837",
        dos=p.pick_date(D(2022, 1, 3), D(2023, 12, 29)),
        npi=mhc,
        modality="audio_video",
    )
    p.expect(c, 1, "PR002")
    c = p.visit(p.person("MEDICARE"), "98970", dos=p.pick_date(*Y23), npi=mhc, modality="portal")
    p.expect(c, 1, "PR002")
    c = p.visit(p.person("MEDICARE"), "90834", dos=D(2023, 12, 31), npi=mft)
    p.expect(c, 1, "PR002")
    p.visit(p.person("MEDICARE"), "90834", dos=D(2024, 1, 2), npi=mft)


@planter("PR002", "TH001")
def plant_pr002_therapist_outside_flexibilities(p: Plant) -> None:
    """Medicare telehealth by the PT (97110) and the SLP (92507) in 2019, patient at a facility,
    POS 02: PR002, and TH001 (therapy codes joined the list only with the 2020 flexibilities)."""
    for ptype, code in (("PT", "97110"), ("SLP", "92507")):
        c = p.visit(
            p.person("MEDICARE"),
            code,
            dos=p.pick_date(D(2019, 2, 1), D(2019, 12, 20)),
            npi=_by_type(ptype),
            modality="audio_video",
            location="facility",
            dx=("M62.81",),
        )
        p.expect(c, 1, "PR002", "TH001")


# === codes telekit does not know =================================================================


@planter()
def plant_unknown_codes(p: Plant) -> None:
    """Negatives: codes absent from telekit's code table (ZZZ99, 0999T) in person, and ZZZ99 by
    video to Aetna (TH001 is Medicare only): no finding, never CD001."""
    p.visit(p.person("CIGNA"), "ZZZ99", dos=p.pick_date(*MAIN))
    p.visit(p.person("MEDICARE"), "0999T", dos=p.pick_date(*MAIN))
    p.visit(p.person("AETNA"), "ZZZ99", dos=p.pick_date(*FROM24), modality="audio_video")
