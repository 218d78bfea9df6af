/**
 * Billing exports as users have them (issue 23): shapes that used to fail, each a fixture written
 * here, loaded through the API with totals checked against sums computed in the test.
 * @module
 */
import assert from "node:assert/strict";
import { askOk, engineTest, jsonReq, testApp, uploadReq } from "../helpers/app.ts";

const running = await testApp();
const { app } = running;

async function upload(
  csv: string,
  name = "export.csv",
): Promise<{ status: number; body: Record<string, unknown>; id: string }> {
  const r = await app.request("/session/create", jsonReq("POST", { use_sample: false }));
  const id = (await r.json()).session_id;
  const up = await app.request(`/session/${id}/upload-csv`, uploadReq(csv, name));
  return { status: up.status, body: await up.json(), id };
}

type Answer = { result: { rows: unknown[][] } };
const t = (name: string, fn: () => Promise<void>) => Deno.test({ name, ...engineTest, fn });

t("mixed CRLF and LF line ends load with the right total", async () => {
  const csv =
    "Date,Cost,MeterCategory\r\n2024-05-01,1.5,Storage\r\n2024-05-02,2.25,Virtual Machines\n2024-05-03,4,Storage\n";
  const { status, body, id } = await upload(csv);
  assert.equal(status, 200, JSON.stringify(body));
  const total = await askOk<Answer>(app, id, "total cost");
  assert.equal(total.result.rows[0][0], 1.5 + 2.25 + 4);
});

t("rows that leave out their trailing empty field load as columns, not as one column", async () => {
  const csv = "date,service,cost,tag\n2024-05-01,EC2,10.5,web\n2024-05-02,S3,2.5\n2024-05-03,EC2,1,\n";
  const { status, body, id } = await upload(csv);
  assert.equal(status, 200, JSON.stringify(body));
  const rows = (body.dataset as { rows: number }).rows;
  assert.equal(rows, 3);
  const by = await askOk<Answer>(app, id, "cost by service");
  assert.deepEqual(Object.fromEntries(by.result.rows.map((r) => [r[0], r[1]])), { EC2: 11.5, S3: 2.5 });
});

t("a row with more fields than the header gets a precise 422, with no path or engine words", async () => {
  const csv = "date,service,cost\n2024-05-01,EC2,10.5\n2024-05-02,S3,2.5,oops\n";
  const { status, body } = await upload(csv);
  assert.equal(status, 422);
  const msg = (body.error as { message: string }).message;
  assert.match(msg, /Line 3 has 4 fields, the header 3/);
  assert.doesNotMatch(msg, /\/upload|raw_|Error:|Binder|Invalid Input/);
});
