"""The files ``telekit init`` writes into an engagement folder, as text: telekit.toml, the
drops README, .gitignore, the GitHub Actions workflow and the GitLab CI pipeline.

The CI files are written with ``@VERSION@`` filled in (``str.format`` would collide with the
workflows' own ``${{ }}`` braces).
"""

from __future__ import annotations

import re
from typing import Final

_BARE = re.compile(r"[^\\\"\x00-\x1f\x7f]*")


def toml_string(text: str) -> str:
    """A TOML basic string of ``text``."""
    if _BARE.fullmatch(text):
        return f'"{text}"'
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m[0]):04x}", escaped) + '"'


def telekit_toml(practice: str, *, version: str, map_file: str | None, policies: str | None) -> str:
    """The text of a first telekit.toml; ``map``/``policies`` are set when given, else left as
    comments saying how to write them."""
    if map_file is not None:
        map_lines = f"map = {toml_string(map_file)}"
    else:
        map_lines = (
            '# map = "map.toml"   # none yet: telekit map --init drops/YYYY-MM/claims.xlsx '
            "--out map.toml"
        )
    if policies is not None:
        policy_lines = f"policies = {toml_string(policies)}"
    else:
        policy_lines = (
            '# policies = "policies.toml"   # none yet: telekit policies init drops/YYYY-MM '
            "--out policies.toml"
        )
    return _TELEKIT_TOML.format(
        version=version,
        practice=toml_string(practice),
        map_lines=map_lines,
        policy_lines=policy_lines,
    )


_TELEKIT_TOML: Final = """\
# telekit.toml: one engagement (one client practice) audited month after month.
# Written by `telekit init` (telekit {version}); edit it, every key is explained above it.
# `telekit run . --drop 2026-11` reads it: it audits that month's data drop with these settings
# and writes the deliverables into the drop's out folder. Paths are relative to this folder.

[engagement]
# the practice as shown in the report's header, the workbook and the executive summary
practice = {practice}
# who prepared the audit ("Prepared by" on the deliverables); "" leaves it off
prepared_by = ""
# who reviews the findings, e.g. ["A. Coder", "B. Auditor"]
reviewers = []

[data]
# where each month's data drop lands: one folder per drop, named by its month (YYYY-MM, e.g.
# drops/2026-11), holding the practice's exports as `telekit audit DIR` finds them
# (claims.csv|.xlsx|.parquet, encounters, coverage, providers, remittances, adjustments)
drops = "drops/{{drop}}"
# the header/value map of the practice's exports (`telekit map --init`); without one, the
# drop's own map.toml when it has one, else the exports must use telekit's column names
{map_lines}
# the payer policies (`telekit policies init`); without one, the drop's own policies.toml when
# it has one, else telekit's built-in defaults per payer_type
{policy_lines}
# expected fees per payer and code ([[fee]] tables), to find underpayments
# expected_fees = "expected_fees.toml"
# the practice's Medicare locality: MAC + locality, 7 digits as in CMS's GPCI file
# locality = "1320201"

[audit]
# the audit date ("as of") of each drop:
#   "end-of-drop-month"   the last day of the drop's month (2026-11 -> 2026-11-30)
#   "latest-remittance"   the drop's latest remittance payment date, else its latest service date
#   a date, e.g. 2026-12-15, the same for every drop
as_of = "end-of-drop-month"
# the service period each drop audits (the --period FROM..TO derived from the drop's name;
# lines outside it are counted, not audited):
#   "drop-month"           the drop's month (2026-11 -> 2026-11-01..2026-11-30)
#   "trailing-12-months"   the 12 months ending with it (2026-11 -> 2025-12-01..2026-11-30)
#   "all"                  every date of service in the drop
period = "drop-month"
# de-identify the outputs (HIPAA Safe Harbor: pseudonyms for patients, claims and control
# numbers, years for dates). true by default so that CI artifacts carry no PHI; set false only
# where the outputs stay on the practice's or the consultant's controlled machines
deidentify = true
# the pseudonym key: each de-identified run reads it and extends it, so a patient keeps the
# same pseudonym month after month. It links pseudonyms back to patients: it stays out of
# version control (.gitignore has keys/) and outside every out folder
key_file = "keys/pseudonyms.key"

[outputs]
# report.html: the detailed report (and findings.csv/.parquet/.xlsx, summary.json, always)
report = true
# executive.html and executive.pdf: the client's summary, at most three pages
executive_pdf = true
# worklist.xlsx: the review worklist (Status, Owner, Note per finding) for coders in Excel
worklist = true
# compare.html and compare.xlsx against the previous drop's outputs, when they exist
compare = true
# notebook 04 executed (papermill) on the drop, with this engagement's parameters
notebook = true
# where each drop's outputs go
out = "out/{{drop}}"
"""

DROPS_README: Final = """\
Each month's data drop goes into a folder of its own, named by its month: drops/2026-11/.

Put the practice's exports for that month in it, named as `telekit audit DIR` finds them:
claims (claims.csv, claims.xlsx or claims.parquet), encounters, coverage, providers,
remittances and adjustments (or the 835 files). Then run, from the engagement folder:

    telekit run . --drop 2026-11

These files hold protected health information (PHI): .gitignore keeps drops/ out of version
control. Keep it so, and keep the folder on the practice's or the consultant's controlled
machines.
"""

GITIGNORE: Final = """\
# Written by `telekit init`: keeps PHI out of version control by default.
# What is versioned: telekit.toml, map.toml, policies.toml, expected_fees.toml, the CI files,
# drops/README.txt. Nothing that holds a patient, a claim or a payment.

# the monthly data drops: the practice's exports (PHI)
drops/*
!drops/README.txt

# every drop's outputs, identified or not. Identified outputs (findings, report, workbook,
# worklist) are PHI. The de-identified ones are not PHI, but they are deliverables, not sources:
# CI publishes them as artifacts, and a de-identified file kept in git history cannot be
# withdrawn if a later review finds an identifier in it. Version them on purpose, if at all.
out/

# the pseudonym key: it maps pseudonyms back to patients, claims and control numbers (PHI)
keys/
*.key

# review files (SQLite): decisions and notes about identified findings
*.sqlite
*.sqlite-journal
*.sqlite-wal
*.sqlite-shm

# data files anywhere else in the folder (an export dropped beside telekit.toml, a workbook)
*.csv
*.tsv
*.xlsx
*.xls
*.parquet
*.837
*.835
*.271
*.x12
*.edi

# notebook checkpoints can hold rows of data (executed notebooks go to out/)
.ipynb_checkpoints/

# the CI's telekit install
.telekit-venv/
"""

_PUBLISHED: Final = (
    "report.html executive.html executive.pdf findings.xlsx worklist.xlsx compare.html "
    "compare.xlsx summary.json notebook-report.html"
)

GITHUB_WORKFLOW: Final = """\
# GitHub Actions: run this engagement on a month's data drop and publish the deliverables.
# Written by `telekit init` (telekit @VERSION@).
#
# PHI. The data drops and the identified outputs are protected health information. GitHub-hosted
# runners, the repository and GitHub's artifact storage are not covered by a HIPAA business
# associate agreement (BAA) by default, so identified outputs must never reach them:
#   - .gitignore keeps drops/ out of the repository: a drop reaches a GitHub-hosted runner only
#     if someone commits it on purpose (do so only where a BAA covers the repository and its
#     runners), or run the "deidentified" job on the self-hosted runner as well;
#   - the "deidentified" job runs with --deidentify whatever telekit.toml says, and uploads the
#     de-identified report, workbook and executive PDF as an artifact;
#   - the "identified" job runs only on a self-hosted runner (labels: self-hosted, telekit-phi) on
#     the practice's or the consultant's controlled machines, where the drops live, and only when
#     the repository variable TELEKIT_IDENTIFIED is "true". It copies the identified outputs to a
#     folder on that machine (repository variable TELEKIT_PUBLISH_DIR) instead of uploading
#     them: an uploaded artifact leaves the controlled machines for GitHub's storage.
# The pseudonym key (keys/) is not in the repository: on a GitHub-hosted runner each run draws
# new pseudonyms; on the self-hosted runner the key stays and pseudonyms are stable across drops.
name: telekit

on:
  workflow_dispatch:
    inputs:
      drop:
        description: "The data drop to run: its month, YYYY-MM (a folder under drops/)"
        required: true
        type: string
  push:
    paths:
      - "drops/**"

env:
  # where telekit is installed from: this release from PyPI, or a git URL, e.g.
  #   TELEKIT_SPEC: "telekit @ git+https://github.com/OWNER/telekit@v@VERSION@"
  TELEKIT_SPEC: "telekit==@VERSION@"
  # the drop asked for (workflow_dispatch); on a push, the latest folder under drops/
  INPUT_DROP: ${{ inputs.drop }}
  # a drop's name: its month
  DROP_NAME: "^[0-9]{4}-(0[1-9]|1[0-2])$"

jobs:
  deidentified:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install telekit
        # papermill executes notebook 04 (`telekit run`), nbval checks it
        run: python -m pip install "$TELEKIT_SPEC" papermill nbval
      - name: Choose the drop
        run: |
          drop="${INPUT_DROP:-$(ls drops | grep -E "$DROP_NAME" | sort | tail -n 1)}"
          echo "$drop" | grep -Eq "$DROP_NAME" || { echo "no drop YYYY-MM to run"; exit 2; }
          echo "DROP=$drop" >> "$GITHUB_ENV"
      - name: Run the engagement, de-identified
        run: telekit run . --drop "$DROP" --deidentify
      - name: Check notebook 04 as executed on this drop (nbval)
        run: @NBVAL@
      - name: Gather the deliverables
        run: |
          mkdir -p deliverables
          for f in @PUBLISHED@; do
            if [ -f "out/$DROP/$f" ]; then cp "out/$DROP/$f" deliverables/; fi
          done
      - uses: actions/upload-artifact@v4
        with:
          name: telekit-deidentified
          path: deliverables/
          if-no-files-found: error

  identified:
    # identified outputs are PHI: only on a self-hosted runner on controlled machines (see top)
    if: vars.TELEKIT_IDENTIFIED == 'true'
    runs-on: [self-hosted, telekit-phi]
    steps:
      - uses: actions/checkout@v4
        with:
          # keep drops/, out/ and keys/ of earlier runs: they are on the runner, not in git
          clean: false
      - name: Install telekit
        run: |
          python3 -m venv .telekit-venv
          .telekit-venv/bin/python -m pip install "$TELEKIT_SPEC" papermill nbval
      - name: Choose the drop
        run: |
          drop="${INPUT_DROP:-$(ls drops | grep -E "$DROP_NAME" | sort | tail -n 1)}"
          echo "$drop" | grep -Eq "$DROP_NAME" || { echo "no drop YYYY-MM to run"; exit 2; }
          echo "DROP=$drop" >> "$GITHUB_ENV"
      - name: Run the engagement, identified
        run: .telekit-venv/bin/telekit run . --drop "$DROP" --no-deidentify
      - name: Check notebook 04 as executed on this drop (nbval)
        run: .telekit-venv/bin/@NBVAL@
      - name: Publish on this machine (never uploaded)
        env:
          TELEKIT_PUBLISH_DIR: ${{ vars.TELEKIT_PUBLISH_DIR }}
        run: |
          test -n "$TELEKIT_PUBLISH_DIR" || { echo "set TELEKIT_PUBLISH_DIR"; exit 2; }
          mkdir -p "$TELEKIT_PUBLISH_DIR/$DROP"
          for f in @PUBLISHED@; do
            if [ -f "out/$DROP/$f" ]; then cp "out/$DROP/$f" "$TELEKIT_PUBLISH_DIR/$DROP/"; fi
          done
"""

GITLAB_CI: Final = """\
# GitLab CI: run this engagement on a month's data drop and publish the deliverables.
# Written by `telekit init` (telekit @VERSION@).
#
# PHI. The data drops and the identified outputs are protected health information. Shared
# runners, the repository and the artifact storage of gitlab.com are not covered by a HIPAA
# business associate agreement (BAA) by default, so identified outputs must never reach them:
#   - .gitignore keeps drops/ out of the repository: a drop reaches a shared runner only if
#     someone commits it on purpose (do so only where a BAA covers the repository and its
#     runners), or run the "deidentified" job on the self-hosted runner as well;
#   - the "deidentified" job runs with --deidentify whatever telekit.toml says, and keeps the
#     de-identified report, workbook and executive PDF as job artifacts;
#   - the "identified" job runs only on a self-hosted runner (tags: self-hosted, telekit-phi) on
#     the practice's or the consultant's controlled machines, where the drops live, and only when
#     the CI/CD variable TELEKIT_IDENTIFIED is "true". It copies the identified outputs to a
#     folder on that machine (CI/CD variable TELEKIT_PUBLISH_DIR) and keeps no artifact: job
#     artifacts are uploaded to the GitLab server, off the controlled machines.
# The pseudonym key (keys/) is not in the repository: on a shared runner each run draws new
# pseudonyms; on the self-hosted runner the key stays and pseudonyms are stable across drops.

variables:
  # where telekit is installed from: this release from PyPI, or a git URL, e.g.
  #   TELEKIT_SPEC: "telekit @ git+https://gitlab.com/OWNER/telekit@v@VERSION@"
  TELEKIT_SPEC: "telekit==@VERSION@"
  DROP:
    value: ""
    description: "The data drop to run: its month, YYYY-MM (under drops/); empty: the latest"
  # a drop's name: its month (taken literally: no $VARIABLE expansion)
  DROP_NAME:
    value: "^[0-9]{4}-(0[1-9]|1[0-2])$"
    expand: false

stages:
  - deliver

.telekit:
  stage: deliver
  before_script:
    - python3 -m venv .telekit-venv
    # papermill executes notebook 04 (`telekit run`), nbval checks it
    - .telekit-venv/bin/python -m pip install "$TELEKIT_SPEC" papermill nbval
    - |
      DROP="${DROP:-$(ls drops | grep -E "$DROP_NAME" | sort | tail -n 1)}"
      echo "$DROP" | grep -Eq "$DROP_NAME" || { echo "no drop YYYY-MM to run"; exit 2; }

deidentified:
  extends: .telekit
  image: python:3.12-slim
  rules:
    - if: $CI_PIPELINE_SOURCE == "web"
    - if: $CI_PIPELINE_SOURCE == "push"
      changes:
        - drops/**/*
  script:
    - .telekit-venv/bin/telekit run . --drop "$DROP" --deidentify
    - .telekit-venv/bin/@NBVAL@
    - |
      mkdir -p deliverables
      for f in @PUBLISHED@; do
        if [ -f "out/$DROP/$f" ]; then cp "out/$DROP/$f" deliverables/; fi
      done
  artifacts:
    name: telekit-deidentified
    paths:
      - deliverables/
    expire_in: 90 days

identified:
  # identified outputs are PHI: only on a self-hosted runner on controlled machines (see top)
  extends: .telekit
  tags:
    - self-hosted
    - telekit-phi
  variables:
    # keep drops/, out/ and keys/ of earlier runs: they are on the runner, not in git
    GIT_CLEAN_FLAGS: none
  rules:
    - if: $TELEKIT_IDENTIFIED == "true"
  script:
    - .telekit-venv/bin/telekit run . --drop "$DROP" --no-deidentify
    - .telekit-venv/bin/@NBVAL@
    - |
      test -n "$TELEKIT_PUBLISH_DIR" || { echo "set TELEKIT_PUBLISH_DIR"; exit 2; }
      mkdir -p "$TELEKIT_PUBLISH_DIR/$DROP"
      for f in @PUBLISHED@; do
        if [ -f "out/$DROP/$f" ]; then cp "out/$DROP/$f" "$TELEKIT_PUBLISH_DIR/$DROP/"; fi
      done
"""


#: the CI step checking notebook 04 as `telekit run` executed it (with the engagement's
#: parameters, from the drop's outputs): nbval runs it again, every cell must pass
NBVAL: Final = 'python -m pytest --nbval-lax -p no:cacheprovider "out/$DROP/04_audit_report.ipynb"'


def ci_file(template: str, version: str) -> str:
    """A CI file's text with telekit's version, the published file names and the nbval step
    filled in."""
    return (
        template.replace("@VERSION@", version)
        .replace("@PUBLISHED@", _PUBLISHED)
        .replace("@NBVAL@", NBVAL)
    )
