// A script served as application/javascript, with .gz and .br siblings.
function hello() { return 'hello from app.js'; }
