#import <BackgroundTasks/BackgroundTasks.h>
#import "AppDelegate.h"
#import "PRJConstants.h"
#import "PRJSyncEngine.h"

// Objective-C: both handlers registered at launch, both requests submitted when the app enters
// the background. The cleanup handler forgets its expiration handler and, when there is nothing
// to clean, returns without completing the task.
@implementation AppDelegate

- (BOOL)application:(UIApplication *)application didFinishLaunchingWithOptions:(NSDictionary *)launchOptions {
    [self registerBackgroundTasks];
    return YES;
}

- (void)applicationDidEnterBackground:(UIApplication *)application {
    [self scheduleRefresh];
    [self scheduleCleanup];
}

- (void)registerBackgroundTasks {
    [[BGTaskScheduler sharedScheduler] registerForTaskWithIdentifier:PRJRefreshTaskID
                                                          usingQueue:nil
                                                       launchHandler:^(__kindof BGTask *task) {
        [self handleRefresh:(BGAppRefreshTask *)task];
    }];
    [[BGTaskScheduler sharedScheduler] registerForTaskWithIdentifier:PRJCleanupTaskID
                                                          usingQueue:nil
                                                       launchHandler:^(__kindof BGTask *task) {
        if (![PRJSyncEngine sharedEngine].needsCleanup) {
            return;
        }
        [[PRJSyncEngine sharedEngine] cleanUpWithCompletion:^{
            [task setTaskCompletedWithSuccess:YES];
        }];
    }];
}

- (void)scheduleRefresh {
    BGAppRefreshTaskRequest *request = [[BGAppRefreshTaskRequest alloc] initWithIdentifier:PRJRefreshTaskID];
    request.earliestBeginDate = [[NSDate date] dateByAddingTimeInterval:60 * 60];
    NSError *error = nil;
    if (![[BGTaskScheduler sharedScheduler] submitTaskRequest:request error:&error]) {
        NSLog(@"Could not schedule the refresh: %@", error);
    }
}

- (void)scheduleCleanup {
    BGProcessingTaskRequest *request = [[BGProcessingTaskRequest alloc] initWithIdentifier:PRJCleanupTaskID];
    request.earliestBeginDate = [NSDate dateWithTimeIntervalSinceNow:24 * 3600];
    request.requiresExternalPower = YES;
    [[BGTaskScheduler sharedScheduler] submitTaskRequest:request error:NULL];
}

- (void)handleRefresh:(BGAppRefreshTask *)task {
    [self scheduleRefresh];
    task.expirationHandler = ^{
        [[PRJSyncEngine sharedEngine] cancel];
    };
    [[PRJSyncEngine sharedEngine] syncWithCompletion:^(BOOL ok) {
        [task setTaskCompletedWithSuccess:ok];
    }];
}

@end
