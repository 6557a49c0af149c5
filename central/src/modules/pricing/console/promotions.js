// console pages: lane G
