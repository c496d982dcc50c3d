-- End-to-end test of the asyncbook plugin in the real Neovim client, headless:
--
--   ASYNCBOOK_BIN=/path/to/asyncbook \
--   nvim --headless -u editors/nvim/test/minimal_init.lua -c 'luafile editors/nvim/test/e2e.lua'
--
-- It copies the workbook (go.mod, go.sum, .asyncbook.json, exercises/) into a temporary
-- folder, makes a practice copy with `asyncbook start`, adds a file with a
-- stranded sender (chanleak, which has a quick fix) and an unstopped ticker
-- (timerstop), opens it, and drives the plugin and `asyncbook lsp` through
-- Neovim's own LSP client. It prints one line per step, then
-- "N passed, M failed", and exits non-zero on any failure.
--
-- ASYNCBOOK_REPO names the checkout to copy (default: the one holding this
-- file). Every wait is bounded (60 s; the exercise check 600 s: the first check on a cold
-- machine builds the standard library with -race) and ends as
-- soon as its condition holds: nothing here sleeps to synchronise.

local WAIT = 60000
local CHECK_WAIT = 600000

local here = debug.getinfo(1, 'S').source:sub(2)
local test_dir = vim.fn.fnamemodify(here, ':p:h')
local repo = vim.env.ASYNCBOOK_REPO or vim.fn.fnamemodify(test_dir, ':h:h:h')
local bin = vim.env.ASYNCBOOK_BIN or ''

local function out(line)
  io.stdout:write(line .. '\n')
  io.stdout:flush()
end

local function fail(fmt, ...)
  error(string.format(fmt, ...), 0)
end

local function wait_for(what, ms, cond)
  if not vim.wait(ms, cond, 50) then
    fail('timed out after %d s waiting for %s', ms / 1000, what)
  end
end

-- Runs argv (a list, no shell) and fails unless it exits 0.
local function run(argv)
  local output = vim.fn.system(argv)
  if vim.v.shell_error ~= 0 then
    fail('%s exited %d:\n%s', table.concat(argv, ' '), vim.v.shell_error, output)
  end
  return output
end

-- State the steps share.
local S = {
  messages = {}, -- window/showMessage texts, in order
  exits = {}, -- on_exit codes by client id
}

-- Records the server's messages (window/showMessage) and the plugin's
-- notifications, and prints each on a line of its own.
vim.lsp.handlers['window/showMessage'] = function(_, result)
  if result and result.message then
    table.insert(S.messages, result.message)
    out('  server: ' .. result.message:gsub('\n.*', ' ...'))
  end
end
vim.notify = function(msg)
  out('  notify: ' .. tostring(msg))
end

local function asyncbook_diags(code)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(S.buf)) do
    if d.source == 'asyncbook' and (code == nil or d.code == code) then
      table.insert(found, d)
    end
  end
  return found
end

-- The 0-based line of the buffer's first line containing text.
local function line_of(text)
  for i, l in ipairs(vim.api.nvim_buf_get_lines(S.buf, 0, -1, false)) do
    if l:find(text, 1, true) then
      return i - 1, l
    end
  end
  fail('no line contains %q', text)
end

local function message_matching(pattern, from)
  for i = from or 1, #S.messages do
    if S.messages[i]:match(pattern) then
      return S.messages[i]
    end
  end
  return nil
end

-- textDocument/codeAction over a diagnostic's range, from the asyncbook
-- client only. The file is ASCII, so byte columns are UTF-16 columns.
local function code_actions(d)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(S.buf) },
    range = {
      start = { line = d.lnum, character = d.col },
      ['end'] = { line = d.end_lnum, character = d.end_col },
    },
    context = {
      diagnostics = {
        {
          range = {
            start = { line = d.lnum, character = d.col },
            ['end'] = { line = d.end_lnum, character = d.end_col },
          },
          message = d.message,
          source = d.source,
          code = d.code,
          severity = d.severity,
        },
      },
    },
  }
  local responses, err = vim.lsp.buf_request_sync(S.buf, 'textDocument/codeAction', params, WAIT)
  if not responses then
    fail('textDocument/codeAction: %s', tostring(err))
  end
  local r = responses[S.client_id]
  if not r then
    fail('no codeAction reply from the asyncbook client')
  end
  if r.err then
    fail('textDocument/codeAction: %s', vim.inspect(r.err))
  end
  return r.result or {}
end

local function focus_go_buffer()
  local win = vim.fn.bufwinid(S.buf)
  if win == -1 then
    vim.cmd('buffer ' .. S.buf)
    win = vim.api.nvim_get_current_win()
  end
  vim.api.nvim_set_current_win(win)
  return win
end

local steps = {}
local function step(name, fn)
  table.insert(steps, { name = name, fn = fn })
end

step('the plugin defines :AsyncbookCheck, :AsyncbookHint and :AsyncbookGuide', function()
  for _, c in ipairs({ 'AsyncbookCheck', 'AsyncbookHint', 'AsyncbookGuide' }) do
    if vim.fn.exists(':' .. c) ~= 2 then
      fail(':%s is not defined (plugin/asyncbook.lua not loaded?)', c)
    end
  end
end)

step('a practice copy with a stranded sender is made in a temporary workspace', function()
  if vim.fn.executable(bin) ~= 1 then
    fail('ASYNCBOOK_BIN=%q is not an executable asyncbook binary', bin)
  end
  -- Not under Neovim's own temporary folder, which goes when it exits: a
  -- failed run keeps its workspace for inspection.
  S.ws = vim.loop.fs_mkdtemp((vim.env.TMPDIR or '/tmp') .. '/asyncbook-nvim-XXXXXX')
  if not S.ws then
    fail('cannot make a temporary folder')
  end
  -- .asyncbook.json gives practice copies the strict profile, chanleak's.
  run({ 'cp', repo .. '/go.mod', repo .. '/go.sum', repo .. '/.asyncbook.json', S.ws .. '/' })
  run({ 'cp', '-R', repo .. '/exercises', S.ws .. '/exercises' })
  run({ 'sh', '-c', 'cd "$1" && "$2" start batch-inference', 'sh', S.ws, bin })
  S.file = S.ws .. '/practice/batchinference/stranded.go'
  run({ 'cp', test_dir .. '/testdata/stranded.go', S.file })
end)

step('opening the Go file starts `asyncbook lsp` (root: the go.mod folder)', function()
  local asyncbook = require('asyncbook')
  asyncbook.setup({
    cmd = { bin, 'lsp' },
    -- Sent as initializationOptions: timerstop's finding must not show,
    -- chanleak's shows as information.
    analyzers = { timerstop = false },
    severity = { chanleak = 'information' },
    on_exit = function(code, _, id)
      S.exits[id] = code
    end,
  })
  vim.cmd('edit ' .. vim.fn.fnameescape(S.file))
  S.buf = vim.api.nvim_get_current_buf()
  if vim.bo[S.buf].filetype ~= 'go' then
    fail('filetype is %q, not go', vim.bo[S.buf].filetype)
  end
  wait_for('the asyncbook client to attach', WAIT, function()
    local c = asyncbook.client(S.buf)
    return c ~= nil and c.initialized == true and type(c.server_capabilities) == 'table'
  end)
  local c = asyncbook.client(S.buf)
  S.client_id = c.id
  if c.name ~= 'asyncbook' then
    fail('client name %q', c.name)
  end
  if c.config.root_dir ~= S.ws then
    fail('root_dir %q, want %q', tostring(c.config.root_dir), S.ws)
  end
  local sync = c.server_capabilities.textDocumentSync
  if type(sync) ~= 'table' or sync.openClose ~= true then
    fail('server capabilities lack textDocumentSync.openClose: %s', vim.inspect(sync))
  end
  out('  (client API: ' .. (type(vim.lsp.start) == 'function' and 'vim.lsp.start' or 'vim.lsp.start_client + buf_attach_client') .. ')')
end)

step('a chanleak diagnostic (source "asyncbook") arrives at the send', function()
  wait_for('an asyncbook chanleak diagnostic', WAIT, function()
    return #asyncbook_diags('chanleak') > 0
  end)
  local d = asyncbook_diags('chanleak')[1]
  local want = line_of('res <- outcome{p, err}')
  if d.lnum ~= want then
    fail('diagnostic on line %d, want %d', d.lnum + 1, want + 1)
  end
  if not d.message:find('unbuffered channel res', 1, true) then
    fail('message %q does not name the channel', d.message)
  end
  if d.severity ~= vim.diagnostic.severity.INFO then
    fail('severity %s, want information (the setting)', tostring(d.severity))
  end
  S.chanleak = d
end)

step('initializationOptions switched timerstop off', function()
  -- Findings of one file are published together: chanleak's is here, so
  -- timerstop's would be too had it run.
  local t = asyncbook_diags('timerstop')
  if #t > 0 then
    fail('timerstop reported %q although switched off', t[1].message)
  end
end)

step('code actions on the finding: the quick fix, a hint and the guide', function()
  local actions = code_actions(S.chanleak)
  local titles = {}
  for _, a in ipairs(actions) do
    table.insert(titles, (a.kind or '?') .. ': ' .. (a.title or '?'))
    if a.kind == 'quickfix' and a.edit and not S.fix then
      S.fix = a
    elseif a.kind == 'quickfix.asyncbook.hint' then
      S.hint_action = a
    elseif a.kind == 'quickfix.asyncbook.guide' then
      S.guide_action = a
    end
  end
  if not S.fix then
    fail('no quick fix with an edit among: %s', table.concat(titles, '; '))
  end
  if not (S.hint_action and S.hint_action.command and S.hint_action.command.command == 'asyncbook.hint') then
    fail('no hint action (command asyncbook.hint) among: %s', table.concat(titles, '; '))
  end
  if not S.hint_action.title:match('^Hint 1/%d+') then
    fail('first hint action is titled %q', S.hint_action.title)
  end
  if not S.guide_action then
    fail('no guide action among: %s', table.concat(titles, '; '))
  end
end)

step(':AsyncbookHint shows hint 1, then hint 2', function()
  local win = focus_go_buffer()
  vim.api.nvim_win_set_cursor(win, { S.chanleak.lnum + 1, S.chanleak.col })
  local from = #S.messages + 1
  vim.cmd('AsyncbookHint')
  wait_for('the server to show hint 1', WAIT, function()
    return message_matching('^Hint 1/%d+: ', from) ~= nil
  end)
  from = #S.messages + 1
  vim.cmd('AsyncbookHint')
  wait_for('the server to show hint 2', WAIT, function()
    return message_matching('^Hint 2/%d+: ', from) ~= nil
  end)
end)

step('didChangeConfiguration (configure) switches timerstop back on', function()
  require('asyncbook').configure({ analyzers = { timerstop = true } })
  wait_for('a timerstop diagnostic', WAIT, function()
    return #asyncbook_diags('timerstop') > 0
  end)
  local want = line_of('t := time.NewTicker(d)')
  local d = asyncbook_diags('timerstop')[1]
  if d.lnum ~= want then
    fail('timerstop diagnostic on line %d, want %d', d.lnum + 1, want + 1)
  end
end)

step('typing a broken line above the finding: the squiggle moves, its quick fix still applies', function()
  -- "x :=" on a new line above the send, in its function: the code no
  -- longer parses, so the finding cannot be computed again; it must move
  -- with its line, and its fix (versioned) still apply where it should.
  local send = line_of('res <- outcome{p, err}')
  vim.api.nvim_buf_set_lines(S.buf, send, send, false, { '\t\tx :=' })
  wait_for('the chanleak diagnostic one line down', WAIT, function()
    local d = asyncbook_diags('chanleak')[1]
    return d ~= nil and d.lnum == send + 1
  end)
  local d = asyncbook_diags('chanleak')[1]
  local fix
  for _, a in ipairs(code_actions(d)) do
    if a.kind == 'quickfix' and a.edit then
      fix = a
      break
    end
  end
  if not fix then
    fail('no quick fix on the moved finding')
  end
  local dc = fix.edit.documentChanges
  if type(dc) ~= 'table' or #dc ~= 1 or dc[1].textDocument.version ~= vim.lsp.util.buf_versions[S.buf] then
    fail('the fix is not a versioned edit of the current text: %s', vim.inspect(fix.edit))
  end
  local client = vim.lsp.get_client_by_id(S.client_id)
  vim.lsp.util.apply_workspace_edit(fix.edit, client.offset_encoding or 'utf-16')
  local _, line = line_of('res := make(chan outcome')
  if not line:find('make(chan outcome, 1)', 1, true) then
    fail('after the fix the line reads %q', line)
  end
  local _, typed = line_of('x :=')
  if typed ~= '\t\tx :=' then
    fail('the fix touched the typed line: %q', typed)
  end
  -- Finish: remove the broken line; the finding is computed again and gone.
  local x = line_of('x :=')
  vim.api.nvim_buf_set_lines(S.buf, x, x + 1, false, {})
  wait_for('the chanleak diagnostic to clear', WAIT, function()
    return #asyncbook_diags('chanleak') == 0
  end)
  -- A fresh publish, not a clear-all: the other finding is still there.
  if #asyncbook_diags('timerstop') == 0 then
    fail('the timerstop finding went too')
  end
end)

step(':AsyncbookGuide opens the interview guide', function()
  focus_go_buffer()
  local guide = S.ws .. '/exercises/batchinference/guide.md'
  vim.cmd('AsyncbookGuide')
  wait_for('a window showing ' .. guide, WAIT, function()
    local b = vim.fn.bufnr(guide)
    return b ~= -1 and vim.fn.bufwinid(b) ~= -1
  end)
  local first = vim.api.nvim_buf_get_lines(vim.fn.bufnr(guide), 0, 1, false)[1] or ''
  if not first:match('^#') then
    fail('the guide starts with %q', first)
  end
end)

step(':AsyncbookCheck from the guide split runs the property suite: the sequential Solve fails', function()
  -- The guide's window is current (it is not a Go buffer: the server of
  -- its workspace checks its exercise).
  local guide = vim.fn.bufnr(S.ws .. '/exercises/batchinference/guide.md')
  vim.api.nvim_set_current_win(vim.fn.bufwinid(guide))
  if require('asyncbook').client(guide) ~= nil then
    fail('the guide buffer has a client attached: this step would not test the lookup')
  end
  local from = #S.messages + 1
  local done, res, res_err = false, nil, nil
  require('asyncbook').check(0, function(err, result)
    done, res_err, res = true, err, result
  end)
  wait_for('the exercise check', CHECK_WAIT, function()
    return done
  end)
  if res_err then
    fail('check: %s', vim.inspect(res_err))
  end
  if type(res) ~= 'table' or res.passed ~= false or type(res.summary) ~= 'string' or res.summary == '' then
    fail('check result %s, want passed=false with a summary', vim.inspect(res))
  end
  -- The reply and the message travel separately: either may come first.
  wait_for('the server to show the outcome', WAIT, function()
    return message_matching('^Batch inference: ', from) ~= nil
  end)
end)

step('stopping the client shuts the server down with status 0', function()
  vim.lsp.stop_client(S.client_id)
  wait_for('the server to exit', WAIT, function()
    return S.exits[S.client_id] ~= nil
  end)
  if S.exits[S.client_id] ~= 0 then
    fail('server exit status %d', S.exits[S.client_id])
  end
end)

local passed, failed = 0, 0
local broken = nil
for _, s in ipairs(steps) do
  if broken then
    failed = failed + 1
    out('FAIL ' .. s.name .. ': not run, an earlier step failed')
  else
    local ok, err = xpcall(s.fn, function(e)
      if type(e) == 'string' and not e:find('\n') and not e:find('%.lua:%d+:') then
        return e
      end
      return debug.traceback(e, 2)
    end)
    if ok then
      passed = passed + 1
      out('ok   ' .. s.name)
    else
      failed = failed + 1
      broken = s.name
      out('FAIL ' .. s.name .. ': ' .. tostring(err))
    end
  end
end

if S.ws and failed == 0 then
  vim.fn.delete(S.ws, 'rf')
elseif S.ws then
  out('workspace kept for inspection: ' .. S.ws)
end
out(string.format('%d passed, %d failed', passed, failed))
if failed > 0 then
  vim.cmd('cquit')
else
  vim.cmd('qall!')
end
