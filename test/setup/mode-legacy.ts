// Jest `setupFiles` entry of the `legacy` project: see ./mode.ts.
process.env.HOTPATH_DECORATORS = 'legacy';
