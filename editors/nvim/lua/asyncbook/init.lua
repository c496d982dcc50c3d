-- asyncbook for Neovim: starts `asyncbook lsp` for Go buffers, beside gopls,
-- and adds :AsyncbookCheck, :AsyncbookHint and :AsyncbookGuide.
--
-- Works on Neovim 0.7 (vim.lsp.start_client + vim.lsp.buf_attach_client) and
-- on newer releases (vim.lsp.start). See editors/README.md.
local M = {}

-- The client's name: distinct from gopls, so both attach to a Go buffer.
M.name = 'asyncbook'

local defaults = {
  -- The command that serves LSP on stdio. `server` is a shorthand for
  -- { server, 'lsp' } when the binary is not on $PATH.
  cmd = nil,
  server = 'asyncbook',
  -- Analyzers on (true, even outside the profile) or off (false) by name,
  -- on top of the workspace's .asyncbook.json (which asyncvet reads too).
  analyzers = {},
  -- The analyzers to start from: 'default' or 'strict' (nil: the
  -- settings file's, else default).
  profile = nil,
  -- Severities by analyzer name: 'warning', 'information' or 'hint'.
  severity = {},
  -- The server's pause after an edit before analysing, in ms (nil: its default).
  debounce_ms = nil,
  filetypes = { 'go' },
  -- Start for matching buffers on FileType (false: call start() yourself).
  autostart = true,
  -- Passed through to the client.
  on_attach = nil,
  on_exit = nil,
  capabilities = nil,
  handlers = nil,
}

M.config = vim.deepcopy(defaults)

-- clients started through start_client (Neovim 0.7), by root directory.
local by_root = {}

local has_start = type(vim.lsp.start) == 'function'

local function notify(msg, level)
  vim.notify('asyncbook: ' .. msg, level or vim.log.levels.INFO)
end

-- Encodes a Lua table as a JSON object, even when empty ({} would be []).
local function object(t)
  if t == nil or next(t) == nil then
    return vim.empty_dict()
  end
  return t
end

-- The settings the server reads, under "asyncbook" (initializationOptions,
-- didChangeConfiguration and workspace/configuration alike).
function M.settings(config)
  config = config or M.config
  local s = { analyzers = object(config.analyzers), severity = object(config.severity) }
  if config.profile ~= nil then
    s.profile = config.profile
  end
  if config.debounce_ms ~= nil then
    s.debounceMs = config.debounce_ms
  end
  return { asyncbook = s }
end

-- The client's capabilities: Neovim's, plus versioned document changes,
-- which its apply_workspace_edit checks (a fix for text the buffer no
-- longer has is refused) though Neovim 0.7 does not say it takes them.
local function capabilities(config)
  if config.capabilities then
    return config.capabilities
  end
  local caps = vim.lsp.protocol.make_client_capabilities()
  caps.workspace = caps.workspace or {}
  caps.workspace.workspaceEdit = caps.workspace.workspaceEdit or {}
  caps.workspace.workspaceEdit.documentChanges = true
  return caps
end

local function command(config)
  if config.cmd then
    return config.cmd
  end
  return { config.server, 'lsp' }
end

-- Returns the folder above path holding go.mod, or nil.
function M.root_dir(path)
  local dir = vim.fn.fnamemodify(path, ':p')
  if vim.fn.isdirectory(dir) == 0 then
    dir = vim.fn.fnamemodify(dir, ':h')
  end
  dir = dir:gsub('/+$', '')
  while dir ~= '' do
    if vim.loop.fs_stat(dir .. '/go.mod') then
      return dir
    end
    local up = vim.fn.fnamemodify(dir, ':h')
    if up == dir then
      break
    end
    dir = up
  end
  return nil
end

local function clients()
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ name = M.name })
  end
  local out = {}
  for _, c in pairs(vim.lsp.get_active_clients()) do
    if c.name == M.name then
      table.insert(out, c)
    end
  end
  return out
end

-- Returns the asyncbook client attached to bufnr (0: current), or nil.
function M.client(bufnr)
  if bufnr == nil or bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  for _, c in ipairs(clients()) do
    if c.attached_buffers and c.attached_buffers[bufnr] then
      return c
    end
  end
  return nil
end

-- Returns the asyncbook client serving the folder bufnr's file is in,
-- attached or not: the one for a guide.md (which is not Go) is the
-- server of its workspace's Go files.
function M.client_for_file(bufnr)
  local c = M.client(bufnr)
  if c then
    return c
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' then
    return nil
  end
  local path = vim.fn.fnamemodify(name, ':p')
  local best, best_len = nil, -1
  for _, cl in ipairs(clients()) do
    local root = cl.config and cl.config.root_dir
    if root and (path == root or path:sub(1, #root + 1) == root .. '/') and #root > best_len then
      best, best_len = cl, #root
    end
  end
  return best
end

-- Sends a request to one client (Neovim 0.11 made these methods).
local function request(client, method, params, handler, bufnr)
  if vim.fn.has('nvim-0.11') == 1 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

local function client_notify(client, method, params)
  if vim.fn.has('nvim-0.11') == 1 then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

local function stopped(client)
  if vim.fn.has('nvim-0.11') == 1 then
    return client:is_stopped()
  end
  return client.is_stopped()
end

-- The client configuration for a buffer in root.
function M.client_config(root)
  local cfg = M.config
  local settings = M.settings(cfg)
  return {
    name = M.name,
    cmd = command(cfg),
    cmd_cwd = root,
    root_dir = root,
    init_options = settings,
    settings = settings,
    capabilities = capabilities(cfg),
    handlers = cfg.handlers,
    on_attach = cfg.on_attach,
    on_init = function(client)
      -- Neovim 0.7 keeps settings for workspace/configuration only; newer
      -- releases send them themselves.
      if vim.fn.has('nvim-0.8') == 0 then
        client_notify(client, 'workspace/didChangeConfiguration', { settings = settings })
      end
    end,
    on_exit = function(code, signal, client_id)
      if by_root[root] == client_id then
        by_root[root] = nil
      end
      if cfg.on_exit then
        cfg.on_exit(code, signal, client_id)
      end
    end,
  }
end

local function is_file_buffer(bufnr)
  return vim.api.nvim_buf_is_valid(bufnr)
    and vim.bo[bufnr].buftype == ''
    and vim.api.nvim_buf_get_name(bufnr) ~= ''
end

-- Starts (or reuses) the server for bufnr and attaches it. Returns the
-- client id, or nil for a buffer that is not a file.
function M.start(bufnr)
  if bufnr == nil or bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  if not is_file_buffer(bufnr) then
    return nil
  end
  local path = vim.api.nvim_buf_get_name(bufnr)
  local root = M.root_dir(path) or vim.fn.fnamemodify(path, ':p:h')
  local cfg = M.client_config(root)
  if has_start then
    return vim.lsp.start(cfg, { bufnr = bufnr })
  end
  local id = by_root[root]
  local existing = id and vim.lsp.get_client_by_id(id)
  if not existing or stopped(existing) then
    id = vim.lsp.start_client(cfg)
    if not id then
      notify('could not start ' .. table.concat(cfg.cmd, ' '), vim.log.levels.ERROR)
      return nil
    end
    by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

-- Changes the settings of the running servers (and of those started
-- later): opts.analyzers, opts.profile, opts.severity and opts.debounce_ms
-- as in setup().
function M.configure(opts)
  M.config = vim.tbl_extend('force', M.config, opts or {})
  local settings = M.settings(M.config)
  for _, c in ipairs(clients()) do
    c.config.settings = settings
    client_notify(c, 'workspace/didChangeConfiguration', { settings = settings })
  end
end

local function with_client(bufnr, what)
  local client = M.client_for_file(bufnr)
  if not client then
    notify('no asyncbook server for this buffer (' .. what .. '): open a Go file of the workspace first', vim.log.levels.WARN)
  end
  return client
end

local function execute(client, bufnr, cmd, args, done)
  request(client, 'workspace/executeCommand', { command = cmd, arguments = { args } }, function(err, result)
    if err then
      notify(cmd .. ': ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    end
    if done then
      done(err, result)
    end
  end, bufnr)
end

local function current(bufnr)
  if bufnr == nil or bufnr == 0 then
    return vim.api.nvim_get_current_buf()
  end
  return bufnr
end

-- Checks the exercise of the buffer: its tests, goleak and the analyzers.
-- done(err, result) receives {passed, summary, problems}.
function M.check(bufnr, done)
  bufnr = current(bufnr)
  local client = with_client(bufnr, 'check')
  if not client then
    return false
  end
  notify('checking the exercise...')
  -- The server shows the outcome itself (window/showMessage).
  execute(client, bufnr, 'asyncbook.checkExercise', { uri = vim.uri_from_bufnr(bufnr) }, done)
  return true
end

-- Shows the next hint for the cursor: the exercise's, or the analyzer's of
-- the finding under the cursor. The server names the hint in a code action
-- (with the exercise or analyzer it belongs to); this runs that action's
-- command. done(err, result) receives {n, total, title, body}.
function M.hint(bufnr, done)
  bufnr = current(bufnr)
  local client = with_client(bufnr, 'hint')
  if not client then
    return false
  end
  if not M.client(bufnr) then
    -- Not a Go buffer (the guide): the exercise's next hint, by file.
    execute(client, bufnr, 'asyncbook.hint', { uri = vim.uri_from_bufnr(bufnr) }, done)
    return true
  end
  local win = vim.fn.bufwinid(bufnr)
  local params = vim.lsp.util.make_range_params(win ~= -1 and win or 0, client.offset_encoding or 'utf-16')
  params.context = { diagnostics = {}, only = { 'quickfix.asyncbook.hint' } }
  request(client, 'textDocument/codeAction', params, function(err, actions)
    if err then
      notify('hint: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      if done then
        done(err, nil)
      end
      return
    end
    local cmd
    for _, a in ipairs(actions or {}) do
      if a.kind == 'quickfix.asyncbook.hint' and a.command then
        cmd = a.command
        break
      end
    end
    if not cmd then
      local e = { message = 'no hint here: open a file of an exercise, or put the cursor on a finding' }
      notify(e.message, vim.log.levels.WARN)
      if done then
        done(e, nil)
      end
      return
    end
    -- The server shows the hint itself (window/showMessage).
    local args = cmd.arguments and cmd.arguments[1] or { uri = vim.uri_from_bufnr(bufnr) }
    execute(client, bufnr, cmd.command, args, done)
  end, bufnr)
  return true
end

-- Opens the interview guide of the buffer's exercise in a split (unless the
-- editor already showed it through window/showDocument).
-- done(err, result) receives {uri}.
function M.guide(bufnr, done)
  bufnr = current(bufnr)
  local client = with_client(bufnr, 'guide')
  if not client then
    return false
  end
  execute(client, bufnr, 'asyncbook.openGuide', { uri = vim.uri_from_bufnr(bufnr) }, function(err, result)
    if not err and result and result.uri then
      local fname = vim.uri_to_fname(result.uri)
      if vim.fn.bufwinid(vim.fn.bufnr(fname)) == -1 then
        vim.cmd('split ' .. vim.fn.fnameescape(fname))
      end
    end
    if done then
      done(err, result)
    end
  end)
  return true
end

-- Defines the user commands (plugin/asyncbook.lua calls this at startup).
function M.create_commands()
  vim.api.nvim_create_user_command('AsyncbookCheck', function()
    M.check(0)
  end, { desc = 'asyncbook: check the exercise of this file' })
  vim.api.nvim_create_user_command('AsyncbookHint', function()
    M.hint(0)
  end, { desc = 'asyncbook: the next hint' })
  vim.api.nvim_create_user_command('AsyncbookGuide', function()
    M.guide(0)
  end, { desc = 'asyncbook: open the interview guide' })
end

local group

-- Configures the plugin and, unless autostart is false, starts the server
-- for every Go buffer (those open now and those opened later).
function M.setup(opts)
  M.config = vim.tbl_extend('force', vim.deepcopy(defaults), opts or {})
  M.create_commands()
  group = vim.api.nvim_create_augroup('asyncbook', { clear = true })
  if not M.config.autostart then
    return
  end
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = M.config.filetypes,
    callback = function(ev)
      M.start(ev.buf)
    end,
  })
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(b) and vim.tbl_contains(M.config.filetypes, vim.bo[b].filetype) then
      M.start(b)
    end
  end
end

return M
