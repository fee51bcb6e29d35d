// Jest `setupFiles` entry of the `tc39` project: see ../helpers/mode.ts.
process.env.HOTPATH_DECORATORS = 'tc39';
