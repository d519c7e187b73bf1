-- wrk script: PROPFIND Depth 1 on a calendar home, as OS X's poll sends it,
-- spread over the testbed's users (user01..userNN, password = uid).
-- Usage: wrk -t1 -c50 -d10s -s testbed-home-propfind.lua http://127.0.0.1:8008
local users = tonumber(os.getenv("LOADSIM_USERS") or "50")
local body = [[<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/" xmlns:I="http://apple.com/ns/ical/">
<D:prop><D:resourcetype/><D:displayname/><CS:getctag/><D:sync-token/><C:supported-calendar-component-set/>
<I:calendar-color/><I:calendar-order/><D:owner/><D:current-user-privilege-set/><C:calendar-timezone/>
<CS:pushkey/><CS:xmpp-server/><CS:xmpp-uri/><D:quota-available-bytes/><D:quota-used-bytes/>
<C:schedule-calendar-transp/><C:schedule-default-calendar-URL/><D:supported-report-set/></D:prop></D:propfind>]]

-- A tiny base64 for the Basic header (wrk's Lua has none).
local b = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
local function base64(data)
  return ((data:gsub('.', function(x)
    local r, byte = '', x:byte()
    for i = 8, 1, -1 do r = r .. (byte % 2 ^ i - byte % 2 ^ (i - 1) > 0 and '1' or '0') end
    return r
  end) .. '0000'):gsub('%d%d%d?%d?%d?%d?', function(x)
    if #x < 6 then return '' end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == '1' and 2 ^ (6 - i) or 0) end
    return b:sub(c + 1, c + 1)
  end) .. ({ '', '==', '=' })[#data % 3 + 1])
end

local requests = {}
function init(args)
  for n = 1, users do
    local uid = string.format("user%02d", n)
    requests[n] = wrk.format("PROPFIND", "/calendars/users/" .. uid .. "/", {
      ["Authorization"] = "Basic " .. base64(uid .. ":" .. uid),
      ["Depth"] = "1",
      ["Content-Type"] = "text/xml; charset=utf-8",
    }, body)
  end
end

local i = 0
function request()
  i = i % users + 1
  return requests[i]
end

-- Non-207 answers show in wrk's "Non-2xx or 3xx responses" line.
