"""Payer policies: vocabulary (``_vocabulary``), the resolved model (``_model``) and the
``policies.toml`` reader (``_toml``).

Shim while the layering is under way: the names the old ``telekit._policies`` module exported are
re-exported here; the final step imports them from their homes and empties this file.
"""

from telekit._policies._model import BUILTIN_POLICIES as BUILTIN_POLICIES
from telekit._policies._model import Policies as Policies
from telekit._policies._toml import load_policies as load_policies
from telekit._policies._vocabulary import PAYER_KEY as PAYER_KEY
from telekit._policies._vocabulary import (
    POLICY_ACCEPTS_CPT_TELEMEDICINE_CODES as POLICY_ACCEPTS_CPT_TELEMEDICINE_CODES,
)
from telekit._policies._vocabulary import POLICY_AUDIO_ONLY_COVERED as POLICY_AUDIO_ONLY_COVERED
from telekit._policies._vocabulary import POLICY_COLUMNS as POLICY_COLUMNS
from telekit._policies._vocabulary import (
    POLICY_REQUIRES_MODIFIER_93 as POLICY_REQUIRES_MODIFIER_93,
)
from telekit._policies._vocabulary import POLICY_TELEHEALTH_COVERED as POLICY_TELEHEALTH_COVERED
from telekit._policies._vocabulary import (
    POLICY_TELEHEALTH_MODIFIERS as POLICY_TELEHEALTH_MODIFIERS,
)
from telekit._policies._vocabulary import POLICY_TELEHEALTH_POS as POLICY_TELEHEALTH_POS
from telekit._policies._vocabulary import POLICY_TIMELY_FILING_DAYS as POLICY_TIMELY_FILING_DAYS
from telekit._policies._vocabulary import POLICY_TIMELY_FILING_RULE as POLICY_TIMELY_FILING_RULE
from telekit._policies._vocabulary import TELEHEALTH_POS_VALUES as TELEHEALTH_POS_VALUES
from telekit._policies._vocabulary import TIMELY_FILING_RULES as TIMELY_FILING_RULES

# Last: the expected fees are a metrics input; ``telekit.metrics`` imports ``Policies`` from here.
from telekit.metrics._expected_fees import EXPECTED_ALLOWED as EXPECTED_ALLOWED
from telekit.metrics._expected_fees import EXPECTED_FEES_SCHEMA as EXPECTED_FEES_SCHEMA
from telekit.metrics._expected_fees import MODIFIER as MODIFIER
from telekit.metrics._expected_fees import load_expected_fees as load_expected_fees
