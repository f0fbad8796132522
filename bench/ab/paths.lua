-- The one wrk script of the A/B harness (bench/ab/run.py), configured by environment variables so
-- the product and the baseline get exactly the same client: the same tokens in the same order, the
-- same points, the same multipart bodies. Each wrk thread has its own Lua state; done() runs in the
-- main state and gathers every thread's status counts.
--
--   AB_MODE          read | hives | upload | redeem | mixed
--   AB_READ_PATHS    comma-separated paths for "read" (and the reads of "mixed"), rotated
--   AB_HIVES_PATH    path for station searches; "?lat=..&lng=..&limit=20" is appended
--   AB_UPLOAD_PATH   path of the multipart POST
--   AB_REDEEM_PATH   path of the redemption POST (JSON body {})
--   AB_TOKENS        file with one bearer token a line, rotated across requests
--   AB_TOKEN_START   where in that file this run starts (the runner advances it between rounds)
--   AB_POINTS        file with one "lat,lng" a line (station positions), for searches
--   AB_PLACES        file with one "lat,lng,category" a line: the reports' places, in order
--                    (product_setup.py: spread over the city's communities, 5 % near an earlier one)
--   AB_PHOTO_BANDS   the photo's pieces (run.py's _photo_bands): JPEG header, then each band of
--   AB_PHOTO_INDEX   restart intervals in several variants; the index gives offsets and lengths
--   AB_SEED          random seed of this run
--   AB_THREADS       wrk's thread count (-t), to split the token list between threads
--
-- Reports: a thread walks its own stretch of AB_PLACES from AB_TOKEN_START (which the runner
-- advances between rounds and paths), so no place is sent twice to a side, and each report's
-- photo is spliced from the bands (one variant drawn per band): a valid JPEG of about the same
-- size, other pixels and bytes each time, as every rider's photo is another picture.

local threads = {}

function setup(thread)
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

local function split(text, sep)
   local out = {}
   for piece in string.gmatch(text or "", "([^" .. sep .. "]+)") do
      table.insert(out, piece)
   end
   return out
end

local function lines(path)
   local out = {}
   for line in io.lines(path) do
      if line ~= "" then
         table.insert(out, line)
      end
   end
   return out
end

local function read_all(path)
   local file = assert(io.open(path, "rb"))
   local data = file:read("*a")
   file:close()
   return data
end

local BOUNDARY = "----littlebee-ab-7d1f0c2e"

-- The form fields of a report as a phone app sends them, before its photo.
local function report_fields(category, lat, lng, n)
   local parts = {}
   local function field(name, value)
      table.insert(parts, "--" .. BOUNDARY .. "\r\n")
      table.insert(parts, 'Content-Disposition: form-data; name="' .. name .. '"\r\n\r\n')
      table.insert(parts, value .. "\r\n")
   end
   field("category", category)
   field("description", "基准测试：路口有问题，请处理。" .. n)
   field("lat", string.format("%.6f", lat))
   field("lng", string.format("%.6f", lng))
   table.insert(parts, "--" .. BOUNDARY .. "\r\n")
   table.insert(parts, 'Content-Disposition: form-data; name="photos"; filename="IMG_' .. n .. '.jpg"\r\n')
   table.insert(parts, "Content-Type: image/jpeg\r\n\r\n")
   return table.concat(parts)
end

-- How many reports' fields a thread prepares at init: more than it sends to a side in a round.
local PREPARED = 4096

function init(args)
   mode = os.getenv("AB_MODE")
   read_paths = split(os.getenv("AB_READ_PATHS"), ",")
   hives_path = os.getenv("AB_HIVES_PATH")
   upload_path = os.getenv("AB_UPLOAD_PATH")
   redeem_path = os.getenv("AB_REDEEM_PATH")
   tokens = lines(os.getenv("AB_TOKENS"))
   local start = tonumber(os.getenv("AB_TOKEN_START") or "0")
   local nthreads = tonumber(os.getenv("AB_THREADS") or "1")
   -- The start differs between rounds and paths: each round draws other photos and searches.
   math.randomseed(tonumber(os.getenv("AB_SEED") or "1") * 1000 + tid + start * 7919)
   points = {}
   for _, line in ipairs(lines(os.getenv("AB_POINTS"))) do
      local pair = split(line, ",")
      table.insert(points, { tonumber(pair[1]), tonumber(pair[2]) })
   end
   -- Threads take disjoint stretches of the token list, so a token is not reused before the
   -- whole list has been (the product limits reports per worker).
   cursor = start + tid * math.floor(#tokens / nthreads)
   n = 0
   fields = {}
   uploads = 0
   if mode == "upload" or mode == "mixed" then
      local places = lines(os.getenv("AB_PLACES"))
      local first = start + tid * math.floor(#places / nthreads)
      for i = 0, PREPARED - 1 do
         local place = split(places[((first + i) % #places) + 1], ",")
         local serial = tid * 10000000 + start + i
         table.insert(fields, report_fields(place[3], tonumber(place[1]), tonumber(place[2]), serial))
      end
      -- The photo: the header, then bands[b][v] (band b's entropy-coded data in variant v); band
      -- b > 1 is preceded by its restart marker RST((b - 2) % 8).
      local blob = read_all(os.getenv("AB_PHOTO_BANDS"))
      local index = lines(os.getenv("AB_PHOTO_INDEX"))
      local function piece(line)
         local pair = split(line, " ")
         local offset, length = tonumber(pair[1]), tonumber(pair[2])
         return string.sub(blob, offset + 1, offset + length)
      end
      local shape = split(index[1], " ")
      local nbands, nvariants = tonumber(shape[1]), tonumber(shape[2])
      photo_head = piece(index[2])
      bands = {}
      for b = 1, nbands do
         local variants = {}
         for v = 1, nvariants do
            table.insert(variants, piece(index[2 + (b - 1) * nvariants + v]))
         end
         bands[b] = variants
      end
      photo_end = string.char(0xFF, 0xD9) .. "\r\n--" .. BOUNDARY .. "--\r\n"
      markers = {}
      for b = 2, nbands do
         markers[b] = string.char(0xFF, 0xD0 + (b - 2) % 8)
      end
   end
   statuses = {}
end

local function next_token()
   cursor = cursor + 1
   return tokens[(cursor % #tokens) + 1]
end

local function read_request(headers)
   n = n + 1
   return wrk.format("GET", read_paths[(n % #read_paths) + 1], headers)
end

local function hives_request(headers)
   local p = points[math.random(#points)]
   local lat = p[1] + (math.random() - 0.5) * 0.02
   local lng = p[2] + (math.random() - 0.5) * 0.02
   return wrk.format("GET", string.format("%s?lat=%.5f&lng=%.5f&limit=20", hives_path, lat, lng), headers)
end

local function upload_request(headers)
   headers["Content-Type"] = "multipart/form-data; boundary=" .. BOUNDARY
   uploads = uploads + 1
   local parts = { fields[((uploads - 1) % #fields) + 1], photo_head }
   for b = 1, #bands do
      if b > 1 then
         table.insert(parts, markers[b])
      end
      local variants = bands[b]
      table.insert(parts, variants[math.random(#variants)])
   end
   table.insert(parts, photo_end)
   return wrk.format("POST", upload_path, headers, table.concat(parts))
end

local function redeem_request(headers)
   headers["Content-Type"] = "application/json"
   return wrk.format("POST", redeem_path, headers, "{}")
end

function request()
   local headers = { ["Authorization"] = "Bearer " .. next_token(), ["Accept"] = "application/json" }
   local kind = mode
   if mode == "mixed" then
      local draw = math.random(100)
      if draw <= 70 then
         kind = "read"
      elseif draw <= 90 then
         kind = "hives"
      else
         kind = "upload"
      end
   end
   if kind == "read" then
      return read_request(headers)
   elseif kind == "hives" then
      return hives_request(headers)
   elseif kind == "upload" then
      return upload_request(headers)
   end
   return redeem_request(headers)
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   if (status < 200 or status > 299) and not first_error then
      first_error = status .. " " .. string.sub(body or "", 1, 300)
   end
end

local function json_string(text)
   local escaped = string.gsub(text, '[%c"\\]', function(c)
      return string.format("\\u%04x", string.byte(c))
   end)
   return '"' .. escaped .. '"'
end

function done(summary, latency, requests)
   local merged = {}
   local error_sample = ""
   for _, thread in ipairs(threads) do
      if error_sample == "" then
         error_sample = thread:get("first_error") or ""
      end
      local counts = thread:get("statuses")
      if counts then
         for status, count in pairs(counts) do
            merged[status] = (merged[status] or 0) + count
         end
      end
   end
   local status_parts = {}
   for status, count in pairs(merged) do
      table.insert(status_parts, string.format('"%d": %d', status, count))
   end
   local e = summary.errors
   io.write(
      string.format(
         'AB_JSON {"requests": %d, "duration_us": %d, "bytes": %d, '
            .. '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, '
            .. '"latency_us": {"p50": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}, '
            .. '"statuses": {%s}, "first_error": %s}\n',
         summary.requests,
         summary.duration,
         summary.bytes,
         e.connect,
         e.read,
         e.write,
         e.timeout,
         latency:percentile(50),
         latency:percentile(95),
         latency:percentile(99),
         latency.max,
         latency.mean,
         table.concat(status_parts, ", "),
         json_string(error_sample)
      )
   )
end
