// Jest `setupFiles` entry of the `tc39` project: see ./mode.ts.
process.env.HOTPATH_DECORATORS = 'tc39';
