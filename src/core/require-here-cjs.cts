/** The CommonJS build's `require-here.ts`: this module's own `require`. */
export const requireHere: NodeJS.Require = require;
