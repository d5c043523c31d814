"""Where the real run finds its inputs (script, snapshots) and which ports and URLs it uses."""
from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(os.environ.get("REAL_WOOCOMMERCE_SH")
              or REPO.parent / "shared" / "tools" / "real-woocommerce.sh")
WORKDIR = Path(os.environ.get("REAL_WC_WORKDIR", "/tmp/aftersales-real-woocommerce"))
BASE_PORT = int(os.environ.get("REAL_WC_BASE_PORT", "9580"))
PORTS = {"HTTP_PORT": BASE_PORT, "DB_PORT": BASE_PORT + 1, "HOOK_PORT": BASE_PORT + 2,
         "CB_PORT": BASE_PORT + 3}
APP_PORT = BASE_PORT + 10
SITE = f"http://127.0.0.1:{BASE_PORT}"
APP_URL = f"https://127.0.0.1:{APP_PORT}"
ADMIN = ("admin", os.environ.get("ADMIN_PASS", "admin-pass-123"))
TRACKING_NUMBER = "00340434161094042557"
GUEST_EMAIL = "guest.buyer@example.test"


def snapshots() -> tuple[str, str] | str:
    """The two git dirs, or the reason to skip."""
    wp, wc = os.environ.get("WP_GIT", ""), os.environ.get("WC_GIT", "")
    if not (wp and wc):
        return ("WP_GIT and WC_GIT are not set (fetched git dirs of johnpbloch/wordpress-core and "
                "WP-a2z/woocommerce)")
    if not SCRIPT.exists():
        return f"{SCRIPT} not found (set REAL_WOOCOMMERCE_SH)"
    if os.geteuid() != 0:
        return "real-woocommerce.sh needs root (apt, MariaDB as root)"
    return wp, wc
