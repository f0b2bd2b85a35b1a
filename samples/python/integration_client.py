#!/usr/bin/env python3
"""A sample enterprise system calling the CylinderTrace integration API (docs/INTEGRATION.md, contract
docs/integration-openapi.json), with the standard library only. Every request is signed with HMAC-SHA256:
  signature = Base64(HMAC-SHA256(secret, METHOD + "\\n" + PATH?QUERY + "\\n" + TIMESTAMP + "\\n" + NONCE + "\\n" + hex(SHA-256(body))))
It registers a cylinder, asks the fill check and reports the fill with the check's id. CI runs it against a
test host (tests/CylinderTrace.Tests/Contracts/SampleClientTests.cs).

  python3 samples/python/integration_client.py --base https://HOST --key ck_... --secret BASE64 --code FZ1234567890
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import json
import secrets
import sys
import time
import urllib.error
import urllib.request


class SignedClient:
    def __init__(self, base, key_id, secret_base64):
        self.base = base.rstrip("/")
        self.key_id = key_id
        self.secret = base64.b64decode(secret_base64)

    def send(self, method, path_and_query, body=None):
        data = b"" if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        timestamp = str(int(time.time()))
        # A new nonce for every request, retries included: the API refuses a nonce it has seen.
        nonce = secrets.token_hex(16)
        canonical = "\n".join([method, path_and_query, timestamp, nonce, hashlib.sha256(data).hexdigest()])
        signature = base64.b64encode(hmac.new(self.secret, canonical.encode("utf-8"), hashlib.sha256).digest()).decode("ascii")
        request = urllib.request.Request(self.base + path_and_query, data=data if body is not None else None, method=method, headers={
            "X-CT-Key-Id": self.key_id, "X-CT-Timestamp": timestamp, "X-CT-Nonce": nonce, "X-CT-Signature": signature,
            "Content-Type": "application/json",
        })
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                if response.headers.get("X-CT-Sandbox") == "true":
                    print("(sandbox key: checked and answered, not stored)")
                text = response.read().decode("utf-8")
                return json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            # Problems are RFC 9457 JSON: `detail` is the Chinese explanation, `code` the stable type (docs/PROBLEMS.md).
            problem = json.loads(error.read().decode("utf-8") or "{}")
            raise SystemExit(f"{method} {path_and_query}: {error.code} {problem.get('code')} {problem.get('detail')}")


def main():
    parser = argparse.ArgumentParser(description="Sample signed client of the CylinderTrace integration API")
    parser.add_argument("--base", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--code", required=True, help="a cylinder code of your enterprise")
    args = parser.parse_args()
    client = SignedClient(args.base, args.key, args.secret)

    print("me:", json.dumps(client.send("GET", "/api/integration/v1/me"), ensure_ascii=False))
    today = datetime.date.today()
    # Two years back and ahead; 29 February has no such day in those years, so take the 28th then (as .NET's AddYears does).
    def years_from_today(years):
        try:
            return today.replace(year=today.year + years)
        except ValueError:
            return today.replace(year=today.year + years, day=28)
    cylinder = {"code": args.code, "serial": "S" + args.code[-6:], "spec": "YSP-15", "manufacturer": "示例钢瓶厂",
                "manufactureDate": years_from_today(-2).isoformat(), "nextInspectionDate": years_from_today(2).isoformat()}
    print("cylinders:", json.dumps(client.send("POST", "/api/integration/v1/cylinders", {"records": [cylinder]}), ensure_ascii=False))
    check = client.send("POST", "/api/integration/v1/fill-checks", {"cylinderCode": args.code})
    print("fill check:", json.dumps(check, ensure_ascii=False))
    if not check.get("allowed"):
        # A real filling line stops here and shows the reasons to the operator.
        print("not allowed to fill:", check.get("reasons"))
        return 1
    filled_at = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)).isoformat()
    fill = {"eventId": "SAMPLE-PY-" + args.code, "cylinderCode": args.code, "filledAt": filled_at, "netWeightKg": 14.5, "checkId": check["checkId"]}
    fills = client.send("POST", "/api/integration/v1/fills", {"records": [fill]})
    print("fills:", json.dumps(fills, ensure_ascii=False))
    return 0 if not fills["rejected"] else 1


if __name__ == "__main__":
    sys.exit(main())
