-- wrk script for every taskapi scenario: `wrk ... -s bench/taskapi.lua -- SCENARIO DATAFILE`.
-- DATAFILE (written by bench/__main__.py) defines: tokens, tasks ({user, id}), patch_tasks
-- ({user, id, version}), delete_tasks ({user, id}), search_words. Each wrk thread works on its own
-- slice of patch_tasks and delete_tasks, so If-Match versions it tracks are its own.

local thread_count = 0

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
end

local function slice(list, index, count)
  local own = {}
  for i = index + 1, #list, count do own[#own + 1] = list[i] end
  return own
end

local function auth(user)
  return "Bearer " .. tokens[user]
end

local json = "application/json"
local filtered = "/api/v1/tasks?priority=high,medium&tags=work&completed=false"
local next_patch, next_delete = 1, 1

local function create()
  local user = math.random(#tokens)
  return wrk.format("POST", "/api/v1/tasks", {Authorization = auth(user), ["Content-Type"] = json},
    '{"title": "Benchmark task", "tags": ["bench", "work"], "priority": "high"}')
end

local function get()
  local task = tasks[math.random(#tasks)]
  return wrk.format("GET", "/api/v1/tasks/" .. task[2], {Authorization = auth(task[1])})
end

local function patch()
  local task = own_patch[next_patch]
  next_patch = next_patch % #own_patch + 1
  return wrk.format("PATCH", "/api/v1/tasks/" .. task[2], {
    Authorization = auth(task[1]), ["Content-Type"] = json,
    ["If-Match"] = '"' .. versions[task[2]] .. '"'}, '{"description": "benchmarked"}')
end

local function toggle()
  local task = tasks[math.random(#tasks)]
  return wrk.format("POST", "/api/v1/tasks/" .. task[2] .. "/toggle", {Authorization = auth(task[1])})
end

local function list()
  return wrk.format("GET", "/api/v1/tasks", {Authorization = auth(math.random(#tokens))})
end

local function filtered_list()
  return wrk.format("GET", filtered, {Authorization = auth(math.random(#tokens))})
end

local function search()
  local word = search_words[math.random(#search_words)]
  return wrk.format("GET", "/api/v1/tasks?q=" .. word, {Authorization = auth(math.random(#tokens))})
end

local function lists()
  return wrk.format("GET", "/api/v1/lists", {Authorization = auth(math.random(#tokens))})
end

local function move()
  -- drag a task to the top of its list: the server computes its position
  local task = tasks[math.random(#tasks)]
  return wrk.format("POST", "/api/v1/tasks/" .. task[2] .. "/move",
    {Authorization = auth(task[1]), ["Content-Type"] = json}, '{"after": null}')
end

local function delete()
  local task = own_delete[next_delete]
  if task == nil then return get() end  -- this thread's deletable tasks are used up
  next_delete = next_delete + 1
  return wrk.format("DELETE", "/api/v1/tasks/" .. task[2], {Authorization = auth(task[1])})
end

-- 60% list/get, 25% updates/toggles, 10% creates, 5% deletes
local mix_table = {}
for _, entry in ipairs({{list, 30}, {get, 30}, {patch, 15}, {toggle, 10}, {create, 10}, {delete, 5}}) do
  for _ = 1, entry[2] do mix_table[#mix_table + 1] = entry[1] end
end

local function mix()
  return mix_table[math.random(#mix_table)]()
end

local scenarios = {
  create = create, get = get, patch = patch, toggle = toggle, list = list,
  filtered = filtered_list, search = search, lists = lists, move = move, mix = mix, hello = function() return wrk.format("GET", "/hello") end,
}

function init(args)
  local name = args[1]
  request_fn = scenarios[name]
  if request_fn == nil then error("unknown scenario " .. tostring(name)) end
  if args[2] then dofile(args[2]) end
  math.randomseed(os.time() + thread_index * 7919)
  own_patch = slice(patch_tasks or {}, thread_index, thread_total or 1)
  own_delete = slice(delete_tasks or {}, thread_index, thread_total or 1)
  versions = {}
  for _, task in ipairs(own_patch) do versions[task[2]] = task[3] end
  statuses = {}
end

function request()
  return request_fn()
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if (status == 200 or status == 412) and body ~= nil then
    -- a PATCH answer is the task, a 412 carries it as "current": remember its version for If-Match
    local id, version = body:match('{"id":"([%x%-]+)".-"version":(%d+)')
    if id ~= nil and versions[id] ~= nil then versions[id] = tonumber(version) end
  end
end

local threads = {}
local original_setup = setup
function setup(thread)
  original_setup(thread)
  threads[#threads + 1] = thread
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do counts[status] = (counts[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(counts) do parts[#parts + 1] = string.format('"%d": %d', status, n) end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"socket_errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout, table.concat(parts, ", ")))
end
