-- wrk script for durable writes. Env: ZT_KIND = register | bundle | invoice,
-- ZT_TOKEN (authority for register/bundle, tax for invoice), ZT_SELLER (invoice),
-- ZT_BASE_N (first company number; each thread takes its own range of 10^7).
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua"
require "uscc"

local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local kind, token, seller, n
local company = [[{"uscc":"%s","name":"广州压测示例科技有限公司","legal_representative":{"name":"张三","id_number":"11010519491231002X"},"registered_capital_fen":100000000,"address":"广州市天河区天河路1号","business_scope":"软件开发","established_on":"2024-03-01"}]]
local seal = [[{"seal_type":"%s","template":{"shape":"round","width_mm":%d,"height_mm":%d,"border_mm":1.2,"star":true,"arc_text":"广州压测示例科技有限公司","seal_code":"%s"%s}}]]

function init(args)
  kind = os.getenv("ZT_KIND") or "register"
  token = os.getenv("ZT_TOKEN")
  seller = os.getenv("ZT_SELLER")
  n = tonumber(os.getenv("ZT_BASE_N") or "0") + tid * 10000000
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  n = n + 1
  if kind == "register" then
    return wrk.format(nil, "/v1/companies", nil, string.format(company, uscc(n)))
  elseif kind == "bundle" then
    local u = uscc(n)
    local body = string.format([[{"company":%s,"seals":[%s,%s],"invoicing":true}]],
      string.format(company, u),
      string.format(seal, "official", 42, 42, string.format("4%011d1", n), ""),
      string.format(seal, "finance", 40, 40, string.format("4%011d2", n), [[,"bottom_text":"财务专用章"]]))
    return wrk.format(nil, "/v1/establishments", nil, body)
  else
    local body = string.format([[{"seller_uscc":"%s","buyer":{"name":"压测客户"},"items":[{"name":"咨询","quantity":"1","unit_price":"100","tax_rate":"6"}]}]], seller)
    return wrk.format(nil, "/v1/tax/invoices", nil, body)
  end
end

local statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write(string.format("ZT %s: %d requests, %d errors (connect %d, read %d, timeout %d, status %d)\n",
    os.getenv("ZT_KIND"), summary.requests, summary.errors.connect + summary.errors.read + summary.errors.timeout + summary.errors.status,
    summary.errors.connect, summary.errors.read, summary.errors.timeout, summary.errors.status))
end
