// Types of what Vite lets modules import besides code (here: a library's stylesheet, charts.ts).
/// <reference types="vite/client" />
