export const run = async () => 1;
