// Jest `setupFiles` entry of the `legacy` project: see ../helpers/mode.ts.
process.env.HOTPATH_DECORATORS = 'legacy';
