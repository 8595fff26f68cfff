"""The polkit rule evaluated by a JavaScript engine (node) the way polkitd calls it: which actions, which user."""

from __future__ import annotations

import json
import subprocess

from tests.deploy.conftest import DEPLOY

RULE = DEPLOY / "polkit" / "60-cccd-kiosk-pcsc.rules"

# polkitd's API as the rule sees it: polkit.addRule, polkit.Result, action.id, subject.user.
HARNESS = """
const fs = require("fs");
const rules = [];
const polkit = {Result: {YES: "yes", NO: "no", AUTH_ADMIN: "auth_admin", NOT_HANDLED: null},
                addRule: (fn) => rules.push(fn), log: () => {}};
new Function("polkit", fs.readFileSync(process.argv[1], "utf8"))(polkit);
const cases = JSON.parse(process.argv[2]);
const answers = cases.map(([action, user]) => {
    for (const rule of rules) {
        const result = rule({id: action, lookup: () => ""}, {user: user, active: false, local: false});
        if (result !== undefined && result !== null) return result;
    }
    return null;
});
console.log(JSON.stringify({rules: rules.length, answers: answers}));
"""


def evaluate(cases: list[tuple[str, str]]) -> dict[str, object]:
    result = subprocess.run(["node", "-e", HARNESS, str(RULE), json.dumps(cases)], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_kiosk_user_may_use_pcscd_and_cards_and_nobody_else_gains_anything() -> None:
    cases = [("org.debian.pcsc-lite.access_pcsc", "cccd-kiosk"),
             ("org.debian.pcsc-lite.access_card", "cccd-kiosk"),
             ("org.debian.pcsc-lite.access_pcsc", "www-data"),
             ("org.debian.pcsc-lite.access_card", "cccd-intake"),
             ("org.freedesktop.login1.reboot", "cccd-kiosk"),
             ("org.freedesktop.systemd1.manage-units", "cccd-kiosk")]
    result = evaluate(cases)
    assert result == {"rules": 1, "answers": ["yes", "yes", None, None, None, None]}
