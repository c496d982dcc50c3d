-- Loads only the asyncbook plugin, for the headless tests:
--   nvim --headless -u editors/nvim/test/minimal_init.lua -c 'luafile editors/nvim/test/e2e.lua'
local here = debug.getinfo(1, 'S').source:sub(2)
local plugin_root = vim.fn.fnamemodify(here, ':p:h:h')

vim.opt.runtimepath = { plugin_root, vim.env.VIMRUNTIME }
vim.opt.packpath = {}
vim.opt.swapfile = false
vim.opt.shadafile = 'NONE'
vim.cmd('filetype on')
