// Placeholder so `npm run playground` has something to run; replaced by the real scripts.
console.log('hotpath playground: hello');
