-- Defines asyncbook's user commands at startup. The server starts for Go
-- buffers once you call require('asyncbook').setup({...}) in your config.
if vim.g.loaded_asyncbook then
  return
end
vim.g.loaded_asyncbook = true

if vim.fn.has('nvim-0.7') == 0 then
  vim.notify('asyncbook: Neovim 0.7 or newer is needed', vim.log.levels.WARN)
  return
end

require('asyncbook').create_commands()
