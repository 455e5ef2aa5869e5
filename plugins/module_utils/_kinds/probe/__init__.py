# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health probe family's registry (health_check). Adding a probe is one class and one line here (then ``make docs``).

The ``alarm`` probe also reads the alarms of rollback's alarm gate (``AlarmProbe.read``).
"""

from __future__ import annotations

from ansible_collections.steward.maintenance.plugins.module_utils._kinds._family import Family
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.probe.http import HttpProbe
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.probe.probes import (
    AlarmProbe,
    CertificateProbe,
    ClusterProbe,
    FunctionProbe,
    InstanceProbe,
    ServiceProbe,
    TableProbe,
)

PROBE_KINDS = {
    kind.name: kind
    for kind in (AlarmProbe, TableProbe, FunctionProbe, InstanceProbe, ClusterProbe, ServiceProbe, CertificateProbe, HttpProbe)
}
PROBE_FAMILY = Family("probe", PROBE_KINDS)
