"""``telekit sample-visits DIR --n N --seed S [--by provider] --out visits.xlsx``: a random
sample of the telehealth visits of DIR's claims, written as an abstraction workbook whose
"visits" sheet, once filled from the charts, is read back as encounters that the audit knows
to be a documentation sample (DESIGN §5 "Sampled encounters").

The frame, the generator and the allocation are described in ``telekit._sampling._draw``; the
workbook in ``telekit._sampling._workbook``.
"""
