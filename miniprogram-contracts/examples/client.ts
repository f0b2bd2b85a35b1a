// A sample Mini Program client of the CylinderTrace API, typed by openapi.d.ts (generated from openapi.json by
// openapi-typescript). CI compiles it with `tsc --noEmit --strict` (tests/CylinderTrace.Tests/Contracts/ContractToolTests.cs),
// so a change of the contract that breaks a real client breaks the build.
// Flows: login, card by QR, complaint with a photo, its timeline, a restaurant's receiving scan.
import type { components, paths } from "../openapi";

type Schemas = components["schemas"];
export type Problem = Schemas["ProblemDetails"];

// The part of the WeChat Mini Program API this client uses (the real typings come from miniprogram-api-typings).
interface WxRequestOptions {
  url: string;
  method: "GET" | "POST" | "PUT" | "DELETE";
  data?: unknown;
  header?: Record<string, string>;
  success(result: { statusCode: number; data: unknown; header: Record<string, string> }): void;
  fail(error: { errMsg: string }): void;
}
interface WxUploadOptions {
  url: string;
  filePath: string;
  name: string;
  header?: Record<string, string>;
  success(result: { statusCode: number; data: string }): void;
  fail(error: { errMsg: string }): void;
}
declare const console: { log(...args: unknown[]): void };
declare const wx: {
  login(options: { success(result: { code: string }): void; fail(error: { errMsg: string }): void }): void;
  request(options: WxRequestOptions): void;
  uploadFile(options: WxUploadOptions): void;
  requestSubscribeMessage(options: { tmplIds: string[]; complete(result: Record<string, string>): void }): void;
};

/** Replace with the deployment's HTTPS domain (registered in the Mini Program console as a request and uploadFile domain). */
export const BASE = "https://cylindertrace.invalid";

/** An answer: the typed body of a 2xx, or the problem (show `detail`, branch on `code`). */
export type Answer<T> = { ok: true; status: number; body: T } | { ok: false; status: number; problem: Problem };

type JsonBody<Op, Status extends number> = Op extends { responses: { [S in Status]: { content: { "application/json": infer B } } } } ? B : never;

let token: string | null = null;

function call<T>(method: WxRequestOptions["method"], path: string, data?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
  return new Promise((resolve, reject) => {
    const header: Record<string, string> = { ...headers };
    if (token !== null) header["Authorization"] = `Bearer ${token}`;
    wx.request({
      url: BASE + path,
      method,
      data,
      header,
      success: (r) =>
        resolve(r.statusCode >= 200 && r.statusCode < 300 ? { ok: true, status: r.statusCode, body: r.data as T } : { ok: false, status: r.statusCode, problem: r.data as Problem }),
      fail: (e) => reject(new Error(e.errMsg)),
    });
  });
}

// 1. Login: wx.login's code for a session token.
type LoginBody = paths["/api/mp/login"]["post"]["requestBody"] extends { content: { "application/json": infer B } } | undefined ? B : never;
export async function login(): Promise<Answer<JsonBody<paths["/api/mp/login"]["post"], 200>>> {
  const code = await new Promise<string>((resolve, reject) => wx.login({ success: (r) => resolve(r.code), fail: (e) => reject(new Error(e.errMsg)) }));
  const body: LoginBody = { code };
  const answer = await call<JsonBody<paths["/api/mp/login"]["post"], 200>>("POST", "/api/mp/login", body);
  if (answer.ok) token = answer.body.token;
  return answer;
}

// 2. The card of a scanned QR; 404 cylinder-not-registered carries the danger status to show.
export type CardQuery = NonNullable<paths["/api/mp/cylinders/card"]["get"]["parameters"]["query"]>;
export async function cardByQr(qr: string): Promise<Schemas["CylinderCard"] | Schemas["CardStatus"] | Problem> {
  const query: CardQuery = { qr };
  const answer = await call<Schemas["CylinderCard"]>("GET", `/api/mp/cylinders/card?qr=${encodeURIComponent(query.qr ?? "")}`);
  if (answer.ok) return answer.body;
  if (answer.problem.code === "cylinder-not-registered") return (answer.problem as unknown as Schemas["CylinderNotRegistered"]).cylinderStatus;
  return answer.problem;
}

// 3. A complaint with a photo: ask consent for the subscribe messages first (without it every notice fails with 43101),
// upload the photo, then file with an Idempotency-Key made once per submission (retry with the same key).
export function askConsent(templateIds: string[]): Promise<Record<string, string>> {
  return new Promise((resolve) => wx.requestSubscribeMessage({ tmplIds: templateIds, complete: resolve }));
}

export function uploadPhoto(filePath: string): Promise<Answer<Schemas["PhotoUploaded"]>> {
  return new Promise((resolve, reject) =>
    wx.uploadFile({
      url: BASE + "/api/mp/photos",
      filePath,
      name: "file",
      header: token === null ? {} : { Authorization: `Bearer ${token}` },
      success: (r) => {
        const data: unknown = JSON.parse(r.data);
        resolve(r.statusCode === 201 ? { ok: true, status: 201, body: data as Schemas["PhotoUploaded"] } : { ok: false, status: r.statusCode, problem: data as Problem });
      },
      fail: (e) => reject(new Error(e.errMsg)),
    }),
  );
}

export async function fileComplaint(filePath: string, cylinderCode: string, idempotencyKey: string): Promise<Answer<Schemas["ComplaintDetail"]>> {
  const photo = await uploadPhoto(filePath);
  if (!photo.ok) return photo;
  const complaint: Schemas["NewComplaint"] = {
    category: "cylinder_overdue",
    description: "送来的气瓶扫码显示已超期未检",
    cylinderCode,
    latitude: 26.0823,
    longitude: 119.2961,
    photoIds: [photo.body.photoId],
  };
  const answer = await call<Schemas["ComplaintDetail"]>("POST", "/api/mp/complaints", complaint, { "Idempotency-Key": idempotencyKey });
  if (!answer.ok && answer.problem.code === "invalid-complaint") {
    for (const [field, messages] of Object.entries(answer.problem.errors ?? {})) console.log(field, messages.join("；"));
  }
  if (!answer.ok && answer.status === 429) console.log(`retry in ${answer.problem.retryAfterSeconds ?? 60} s`);
  return answer;
}

// 4. The timeline of one complaint.
export async function timeline(complaintNumber: string): Promise<Schemas["TimelineEntry"][]> {
  const answer = await call<JsonBody<paths["/api/mp/complaints/{number}"]["get"], 200>>("GET", `/api/mp/complaints/${encodeURIComponent(complaintNumber)}`);
  return answer.ok ? answer.body.timeline : [];
}

// 5. A restaurant's receiving scan: one outcome per code; show `warning` prominently whenever present.
export async function receivingScan(codes: string[]): Promise<string[]> {
  const memberships = await call<Schemas["Membership"][]>("GET", "/api/mp/commercial/memberships");
  if (!memberships.ok || memberships.body.length === 0) return ["请先用供气站给的邀请码绑定商户。"];
  const request: Schemas["ScanRequest"] = { customerId: memberships.body[0].customerId, codes };
  const answer = await call<Schemas["ScanAnswer"]>("POST", "/api/mp/commercial/scans", request);
  if (!answer.ok) return [answer.problem.detail ?? answer.problem.title];
  return answer.body.results.map((r: Schemas["ScanOutcome"]) => `${r.cylinderCode}：${r.label}${r.warning === null ? "" : "（" + r.warning + "）"}`);
}
